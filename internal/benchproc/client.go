// SPDX-License-Identifier: Apache-2.0

package benchproc

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Client is the load client of a benchmark: it sends one request again and
// again, over keep-alive connections, with a bearer token, and checks that
// each is answered 200.
type Client struct {
	tb       testing.TB
	http     *http.Client
	url      string
	token    string
	workers  int
	requests atomic.Int64
}

// Concurrency is how many requests a Client has in flight:
// BENCHPROC_CONCURRENCY, or 4.
//
// CPU per request is a measure of a loaded system: with a few requests in
// flight (4 on the 2 cores of the CI machine), the processes under test
// rarely go idle between requests. One at a time, every request wakes
// each process (and the Go scheduler's spinning threads) from idle
// anew, which costs more than some of the work itself, the more so the
// more hops a request makes; BENCHPROC_CONCURRENCY=1 measures that.
func Concurrency() int {
	if n, err := strconv.Atoi(os.Getenv("BENCHPROC_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 4
}

// NewClient returns a client of url, which sends token as a bearer token.
func NewClient(tb testing.TB, url, token string) *Client {
	c := &Client{
		tb: tb, url: url, token: token, workers: Concurrency(),
		http: &http.Client{Transport: pooled(), Timeout: 30 * time.Second},
	}
	tb.Cleanup(c.http.CloseIdleConnections)
	return c
}

// Requests returns how many requests the client has made.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Run makes n requests, Concurrency at a time.
func (c *Client) Run(n int) {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	work := func() {
		for next.Add(1) <= int64(n) && failed.Load() == nil {
			if err := c.get(); err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		}
	}
	if c.workers == 1 {
		work()
	} else {
		var wg sync.WaitGroup
		for range c.workers {
			wg.Go(work)
		}
		wg.Wait()
	}
	if err := failed.Load(); err != nil {
		c.tb.Fatalf("benchproc: GET %s: %v", c.url, *err)
	}
}

func (c *Client) get() error {
	req, err := http.NewRequest(http.MethodGet, c.url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	c.requests.Add(1)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	return nil
}

// NewUpstream serves the weather example's upstream in this process: GET
// /forecast?city=... answers a forecast as JSON.
func NewUpstream(tb testing.TB) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"city":%q,"summary":"sunny","temperatureC":21.5}`, r.URL.Query().Get("city"))
	}))
	tb.Cleanup(srv.Close)
	return srv.URL
}
