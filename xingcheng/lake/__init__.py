"""The lake: departmental data loaded, validated, versioned (DuckLake snapshots) and traceable."""
