"""One dynamic partition per report PDF in raw/ (the key is the file name)."""

from dagster import DynamicPartitionsDefinition

report_partitions = DynamicPartitionsDefinition(name="reports")
