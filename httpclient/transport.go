// SPDX-License-Identifier: Apache-2.0

package httpclient

import (
	"net"
	"net/http"
	"time"
)

// baseTransport is the default base transport. A TracingMiddleware right
// over it leaves the hooks of dialing to its dialer (withDialEvents).
type baseTransport struct{ *http.Transport }

// newTransport returns the default base transport: a clone of
// http.DefaultTransport, which stays untouched, with the connection pool and
// the transport timeouts of s.
func newTransport(s settings) *baseTransport {
	t := s.timeouts
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
	tr.DialContext = withDialEvents((&net.Dialer{
		Timeout:   netDuration(t.dial),
		KeepAlive: 30 * time.Second,
	}).DialContext)
	tr.TLSHandshakeTimeout = netDuration(t.tlsHandshake)
	tr.ResponseHeaderTimeout = netDuration(t.responseHeader)
	// net/http keeps 2 idle connections per host: a plugin serving
	// concurrent requests would dial its upstream for most of them.
	tr.MaxIdleConnsPerHost = s.idlePerHost
	tr.MaxIdleConns = 4 * s.idlePerHost
	tr.IdleConnTimeout = 90 * time.Second
	return &baseTransport{tr}
}
