// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"sync"
	"time"
)

// headWait bounds the wait for a plugin's ResponseHead to
// limits.CallTimeout, counting only the time the host waits for the
// plugin: to take the request (a send blocks under flow control while the
// plugin does not read) and to answer. The time the caller takes to send
// its body does not count (backend.http.readTimeout bounds it), and each
// body part the plugin takes gives it the whole timeout again. Past it,
// the call is cancelled.
type headWait struct {
	d     time.Duration
	timer *time.Timer

	mu      sync.Mutex
	armed   time.Time // when the clock last started
	expired bool
	over    bool // the head came, or the call failed
}

func newHeadWait(d time.Duration, cancel context.CancelFunc) *headWait {
	w := &headWait{d: d, armed: time.Now()}
	w.timer = time.AfterFunc(d, func() {
		w.mu.Lock()
		// A late run of an earlier start of the clock is no expiry.
		if w.over || time.Since(w.armed) < w.d {
			w.mu.Unlock()
			return
		}
		w.expired = true
		w.mu.Unlock()
		cancel()
	})
	return w
}

// pause stops the clock while the host waits for the caller.
func (w *headWait) pause() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
}

// restart starts the clock anew, unless the wait is over.
func (w *headWait) restart() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.over && !w.expired {
		w.armed = time.Now()
		w.timer.Reset(w.d)
	}
}

// again starts a wait anew, once the last one has ended: for the end of
// a call whose whole answer came.
func (w *headWait) again() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.over, w.expired = false, false
	w.armed = time.Now()
	w.timer.Reset(w.d)
}

// end ends the wait, and reports whether it took too long.
func (w *headWait) end() (expired bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.over = true
	w.timer.Stop()
	return w.expired
}
