"""Publishing the data ledger: the CKAN Action API, the DCAT-AP 3.0 export and federation between hubs."""
