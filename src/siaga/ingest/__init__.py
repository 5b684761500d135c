"""Device gateway: trackers, phones, panic buttons and CCTV/ANPR analytics over MQTT and HTTP."""
