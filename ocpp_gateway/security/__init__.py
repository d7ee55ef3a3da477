"""Charger security: the CSMS certificate authority and the certificates it signs
(SignCertificate → CertificateSigned), the certificates installed on chargers, their
security events, and the TLS client certificate that admits a profile 3 charger."""
