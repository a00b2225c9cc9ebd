"""E-seals (电子印章): seals per department on SM2 keys with certificates from the platform CA,
PDF sealing (an SM2 seal record in the spirit of GB/T 38540, or PAdES for ordinary readers) and
verification."""
