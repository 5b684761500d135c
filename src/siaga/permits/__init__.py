"""SKTLK, SKCK pre-registration, crowd-event permits and demonstration notices (STTP)."""
