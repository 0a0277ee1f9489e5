package mail

import "crypto/tls"

// SetTLSConfigForTest makes s trust the test server's own certificate.
func (s *SMTPSender) SetTLSConfigForTest(cfg *tls.Config) { s.tlsConfig = cfg }
