"""The data-sharing exchange (政务数据共享交换平台): the resource catalogue, mounts of the base
databases, share requests and grants, the data API gateway with its hash-chained message log,
yes/no verification, data quality, subscriptions and the cascade between nodes."""
