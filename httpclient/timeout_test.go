// SPDX-License-Identifier: Apache-2.0

package httpclient_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plugtrace/plugtrace/httpclient"
)

// deadlines is a middleware that notes the deadline of every request's
// context, as the client's middlewares see it.
type deadlines struct {
	mu   sync.Mutex
	seen []time.Time // zero: none
}

func (d *deadlines) middleware(next http.RoundTripper) http.RoundTripper {
	return httpclient.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		dl, _ := r.Context().Deadline()
		d.mu.Lock()
		d.seen = append(d.seen, dl)
		d.mu.Unlock()
		return next.RoundTrip(r)
	})
}

func (d *deadlines) all() []time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Time(nil), d.seen...)
}

// withDeadlines returns o's client, with a middleware that notes deadlines
// after o's middlewares.
func withDeadlines(t *testing.T, o httpclient.Options) (*http.Client, *deadlines) {
	t.Helper()
	d := &deadlines{}
	o.Middlewares = append(o.Middlewares, d.middleware)
	return newClient(t, o), d
}

// The timeout is a deadline on the request's context, as far ahead as
// Options.Timeout says, or none.
func TestTimeoutIsADeadline(t *testing.T) {
	srv := newServer(t, nil)
	for _, tc := range []struct {
		name string
		o    httpclient.Options
		want time.Duration // 0: none
	}{
		{"default", httpclient.Options{}, httpclient.DefaultTimeout},
		{"given", httpclient.Options{Timeout: 3 * time.Second}, 3 * time.Second},
		{"none", httpclient.Options{Timeout: httpclient.NoTimeout}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, d := withDeadlines(t, tc.o)
			start := time.Now()
			mustDo(t, context.Background(), c, srv.URL)
			seen := d.all()
			if len(seen) != 1 {
				t.Fatalf("the middleware saw %d requests, want 1", len(seen))
			}
			switch {
			case tc.want == 0 && !seen[0].IsZero():
				t.Fatalf("deadline %v, want none", seen[0])
			case tc.want != 0 && (seen[0].Before(start.Add(tc.want)) || seen[0].After(time.Now().Add(tc.want))):
				t.Fatalf("deadline %v after the call began, want %v", seen[0].Sub(start), tc.want)
			}
			if c.Timeout != 0 {
				t.Fatalf("the client's own Timeout is %v, want 0 (the deadline does its work)", c.Timeout)
			}
		})
	}
}

// A redirect keeps the deadline of the call's first request: the timeout
// bounds the whole call.
func TestTimeoutSpansRedirects(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/c" {
			http.Redirect(w, r, map[string]string{"/a": "/b", "/b": "/c"}[r.URL.Path], http.StatusFound)
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	c, d := withDeadlines(t, httpclient.Options{Timeout: 5 * time.Second})
	mustDo(t, context.Background(), c, srv.URL+"/a")
	seen := d.all()
	if len(seen) != 3 {
		t.Fatalf("the middleware saw %d requests, want 3 (two redirects)", len(seen))
	}
	for i, dl := range seen {
		if !dl.Equal(seen[0]) {
			t.Fatalf("request %d has deadline %v, the first %v: want the same", i+1, dl, seen[0])
		}
	}
}

// A call the timeout ends fails with a timeout error that names it, while
// the server holds back the headers, and while it holds back the body.
func TestTimeoutEndsTheCall(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, "first part")
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := newClient(t, httpclient.Options{Timeout: 200 * time.Millisecond})
	check := func(what string, err error) {
		t.Helper()
		if err == nil || !os.IsTimeout(err) || !errors.Is(err, context.DeadlineExceeded) ||
			!strings.Contains(err.Error(), "httpclient Options.Timeout of 200ms exceeded") {
			t.Fatalf("%s: err = %v, want a timeout naming Options.Timeout", what, err)
		}
	}
	_, err := c.Get(srv.URL + "/headers")
	check("headers", err)

	res, err := c.Get(srv.URL + "/body")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, err = io.ReadAll(res.Body)
	check("body", err)
}

// A caller's own cancellation is not the timeout's.
func TestCallerCancellationIsNotTheTimeout(t *testing.T) {
	srv := newServer(t, nil)
	c := newClient(t, httpclient.Options{Timeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Do(req)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "Options.Timeout") {
		t.Fatalf("err = %v, want the caller's cancellation, not the timeout", err)
	}
}
