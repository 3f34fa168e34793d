// SPDX-License-Identifier: Apache-2.0

package host_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestInProcessBodyLimit sends bodies over backend.http.maxRequestBody to
// an in-process plugin: announced or chunked, each gets 413 JSON, and no
// to-do is created.
func TestInProcessBodyLimit(t *testing.T) {
	h := startHostYAML(t, hostYAML{backend: "http: {maxRequestBody: 1KiB}"})
	alice := userToken(t, "user:default/alice")
	big := `{"title":"` + strings.Repeat("x", 2000) + `"}`
	for _, tc := range []struct {
		name    string
		body    io.Reader
		chunked bool
	}{
		{"announced", strings.NewReader(big), false},
		{"chunked", io.MultiReader(strings.NewReader(big)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, h.URL()+"/api/todos/", tc.body)
			req.Header.Set("Authorization", "Bearer "+alice)
			if tc.chunked {
				req.ContentLength = -1
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(jsonError(string(b)), "backend.http.maxRequestBody") {
				t.Fatalf("%d %s, want 413 JSON naming backend.http.maxRequestBody", resp.StatusCode, b)
			}
		})
	}
	if status, body := h.do(t, "GET", "/api/todos/", alice, ""); status != http.StatusOK || strings.Contains(body, "xxx") {
		t.Fatalf("an oversized to-do was stored: %d %s", status, body)
	}
	if status, body := h.do(t, "POST", "/api/todos/", alice, `{"title":"small"}`); status != http.StatusCreated {
		t.Fatalf("a small body: %d %s", status, body)
	}
}

// TestDefaultBodyLimit posts 64 MiB, announced, to an in-process plugin
// under the default limit of 16 MiB: the host answers 413 without reading
// it.
func TestDefaultBodyLimit(t *testing.T) {
	h := startHost(t, "")
	const size = 64 << 20
	req, _ := http.NewRequest(http.MethodPost, h.URL()+"/api/todos/", io.LimitReader(zeros{}, size))
	req.ContentLength = size
	req.Header.Set("Authorization", "Bearer "+userToken(t, "user:default/alice"))
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("64 MiB POST: %d, want 413", resp.StatusCode)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestSlowAndIdleConnectionsAreClosed holds connections open the way a
// slow-loris client does: a body sent a byte at a time, and a kept-alive
// connection left idle. The server closes both within its timeouts.
func TestSlowAndIdleConnectionsAreClosed(t *testing.T) {
	h := startHostYAML(t, hostYAML{backend: "http: {readTimeout: 300ms, idleTimeout: 300ms}"})
	alice := userToken(t, "user:default/alice")

	t.Run("slow body", func(t *testing.T) {
		conn := dial(t, h.Addr())
		fmt.Fprintf(conn, "POST /api/todos/ HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Length: 100\r\n\r\n{", h.Addr(), alice)
		// One more byte every 50ms, until the server gives up on the
		// request; bounded by the connection's deadline.
		closed := make(chan error, 1)
		go func() {
			_, err := io.Copy(io.Discard, conn)
			closed <- err
		}()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case err := <-closed:
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatal("the server kept a slow request open past readTimeout")
				}
				return
			case <-tick.C:
				_, _ = conn.Write([]byte(" "))
			}
		}
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn := dial(t, h.Addr())
		fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", h.Addr())
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("%d close=%v, want a kept-alive 200", resp.StatusCode, resp.Close)
		}
		if _, err := br.ReadByte(); errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatal("the server kept an idle connection open past idleTimeout")
		} else if !errors.Is(err, io.EOF) {
			t.Fatalf("idle connection: %v, want the server to close it (EOF)", err)
		}
	})
}

// dial connects to addr; the connection gives up after 10s, far beyond
// the timeouts under test, so that a failing test ends.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return conn
}
