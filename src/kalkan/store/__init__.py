"""Tables, migrations and the repositories through which every read and write goes."""
