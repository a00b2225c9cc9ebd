"""The open-data portal (公共数据开放平台): organisations publish datasets and their resources,
the public finds them by Chinese full-text search with facets, previews and downloads tabular
data, calls the CKAN-compatible Action API and the DCAT catalogue, asks for data (需求) and
rates and comments on datasets."""
