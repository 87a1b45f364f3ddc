"""Reading tables: formats and encodings, column roles, personal data, languages, the bundled demo."""
