"""The alert stream: Rubin alert packets (lsst-alert-packet schemas) from a directory of Avro files or
a Kafka topic, stored batch by batch with features and classes (``minibroker stream``)."""
