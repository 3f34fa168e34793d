// SPDX-License-Identifier: Apache-2.0

package host

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"

	"github.com/plugtrace/plugtrace/internal/httpjson"
)

// limitBody bounds the request body of an in-process plugin's route to limit
// bytes. A request that announces a larger body gets 413 before the
// plugin runs. A body that turns out larger while the plugin reads it
// (chunked, no Content-Length) fails the plugin's read with
// *http.MaxBytesError, and the caller gets 413 whatever the plugin then
// answers: its status, headers and body are dropped.
func limitBody(limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			tooLarge(w, limit)
			return
		}
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r) // nothing to count, nothing to wrap
			return
		}
		lw := &limitedWriter{ResponseWriter: w, limit: limit}
		r2 := new(http.Request) // shallow: only the body changes
		*r2 = *r
		r2.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit), exceeded: &lw.exceeded}
		next.ServeHTTP(lw, r2)
		if lw.exceeded.Load() && !lw.answered {
			tooLarge(w, limit)
		}
	})
}

func tooLarge(w http.ResponseWriter, limit int64) {
	httpjson.Error(w, http.StatusRequestEntityTooLarge,
		fmt.Sprintf("request body larger than %d bytes (backend.http.maxRequestBody)", limit))
}

// limitedBody notes when the body went over the limit.
type limitedBody struct {
	io.ReadCloser
	exceeded *atomic.Bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var tooLarge *http.MaxBytesError
	if err != nil && errors.As(err, &tooLarge) {
		b.exceeded.Store(true)
	}
	return n, err
}

// limitedWriter answers 413 in place of the plugin's response once the
// body went over the limit. Before that it passes everything through.
type limitedWriter struct {
	http.ResponseWriter
	limit    int64
	exceeded atomic.Bool
	answered bool // the 413 went out, or the plugin's response began before the limit was hit
	started  bool // the plugin's response began
}

var (
	_ http.ResponseWriter = (*limitedWriter)(nil)
	_ http.Flusher        = (*limitedWriter)(nil)
)

func (w *limitedWriter) WriteHeader(code int) {
	if w.start() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *limitedWriter) Write(b []byte) (int, error) {
	if !w.start() {
		return len(b), nil // dropped: the caller gets the 413
	}
	return w.ResponseWriter.Write(b)
}

func (w *limitedWriter) Flush() {
	if w.start() {
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *limitedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// start reports whether the plugin's response goes out; the first call
// after the limit was hit sends the 413 instead.
func (w *limitedWriter) start() bool {
	switch {
	case w.started:
		return true
	case w.answered:
		return false
	case w.exceeded.Load():
		w.answered = true
		tooLarge(w.ResponseWriter, w.limit)
		return false
	}
	w.started, w.answered = true, true
	return true
}
