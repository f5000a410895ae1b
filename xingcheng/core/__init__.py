"""Core: settings, database, errors, events, i18n and plugin hooks — what every other layer stands on."""
