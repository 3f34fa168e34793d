// SPDX-License-Identifier: Apache-2.0

package host

import "time"

// ExternalLimits bound what the host forwards to an external plugin.
type ExternalLimits struct {
	// MaxRequestBody is the largest request body forwarded; a larger one
	// gets 413. Default backend.http.maxRequestBody, the limit of every
	// plugin route.
	MaxRequestBody int64
	// CallTimeout bounds one forwarded request; past it the caller gets 504.
	// Default 30s.
	CallTimeout time.Duration
	// StartTimeout bounds a plugin's start-up handshake. Default 30s.
	StartTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a crashed plugin is
	// restarted; it doubles after each crash. Defaults 100ms and 10s.
	MinBackoff, MaxBackoff time.Duration
}

func (l ExternalLimits) withDefaults(maxRequestBody int64) ExternalLimits {
	if l.MaxRequestBody <= 0 {
		l.MaxRequestBody = maxRequestBody
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = 30 * time.Second
	}
	if l.StartTimeout <= 0 {
		l.StartTimeout = 30 * time.Second
	}
	if l.MinBackoff <= 0 {
		l.MinBackoff = 100 * time.Millisecond
	}
	if l.MaxBackoff < l.MinBackoff {
		l.MaxBackoff = max(10*time.Second, l.MinBackoff)
	}
	return l
}
