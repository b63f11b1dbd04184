"""The machine edge: an MQTT client turning machine counts and states into records."""
