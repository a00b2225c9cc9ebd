"""E-licences (电子证照): licence types, issuance, lifecycle, the holder's wallet, scan-to-authorise
grants, paperless materials and public verification."""
