package app

import "github.com/nvrproject/nvr/internal/api"

// SetTLS records the HTTPS certificate nvrd serves (its fingerprints), shown in the web app's
// Security settings; nvrd start calls it once it has loaded the certificate.
func (a *App) SetTLS(info api.TLSInfo) { a.tls.Store(&info) }

// tlsInfo is the recorded certificate, or plain HTTP when none was.
func (a *App) tlsInfo() api.TLSInfo {
	if p := a.tls.Load(); p != nil {
		return *p
	}
	return api.TLSInfo{}
}
