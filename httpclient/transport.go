// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net"
	"net/http"
	"time"
)

// newTransport returns the default base transport: a clone of
// http.DefaultTransport, which stays untouched, with t's transport timeouts.
func newTransport(t timeouts) *http.Transport {
	var tr *http.Transport
	if def, ok := http.DefaultTransport.(*http.Transport); ok {
		tr = def.Clone()
	} else {
		// Someone replaced http.DefaultTransport; start from the settings
		// that net/http documents for it.
		tr = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		}
	}
	tr.DialContext = (&net.Dialer{
		Timeout:   netDuration(t.dial),
		KeepAlive: 30 * time.Second,
	}).DialContext
	tr.TLSHandshakeTimeout = netDuration(t.tlsHandshake)
	tr.ResponseHeaderTimeout = netDuration(t.responseHeader)
	return tr
}
