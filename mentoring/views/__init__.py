"""Staff workspace views, one module per part: today, sessions, lists, profiles."""
