apim_subnet_prefix = "10.20.1.0/29"
