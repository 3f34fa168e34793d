// SPDX-License-Identifier: Apache-2.0

package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

// ErrStarted is returned by a second call to Start.
var ErrStarted = errors.New("host: already started")

// Start starts the external plugins, waiting until each has started or
// failed once, then listens on backend.listen and serves in the background.
// It may be called once.
func (h *Host) Start() error {
	h.mu.Lock()
	if h.server != nil || h.starting {
		h.mu.Unlock()
		return ErrStarted
	}
	h.starting = true
	h.mu.Unlock()
	ln, err := net.Listen("tcp", h.cfg.Backend.Listen)
	if err != nil {
		return fmt.Errorf("host: backend.listen: %w", err)
	}
	h.mu.Lock()
	closing := h.closing
	h.mu.Unlock()
	if !closing {
		h.startExternal()
	}
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       h.cfg.Backend.HTTP.ReadTimeout,
		IdleTimeout:       h.cfg.Backend.HTTP.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(h.logger.Handler(), slog.LevelWarn),
	}
	h.mu.Lock()
	if h.closing { // Shutdown ran while the plugins were starting
		h.mu.Unlock()
		ln.Close()
		return errors.New("host: shut down while starting")
	}
	h.server, h.listener, h.served = srv, ln, make(chan error, 1)
	h.mu.Unlock()
	go func() { h.served <- srv.Serve(ln) }()
	return nil
}

// Addr returns the address the host listens on, once started.
func (h *Host) Addr() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listener == nil {
		return ""
	}
	return h.listener.Addr().String()
}

// URL returns the host's base URL, once started: "http://127.0.0.1:7007".
func (h *Host) URL() string { return "http://" + h.Addr() }

// Shutdown stops accepting requests, waits for those in flight, and then
// flushes spans, all within ctx's deadline. Later calls return the first
// call's result.
func (h *Host) Shutdown(ctx context.Context) error {
	h.shutdownOnce.Do(func() { h.shutdownErr = h.shutdown(ctx) })
	return h.shutdownErr
}

func (h *Host) shutdown(ctx context.Context) error {
	h.mu.Lock()
	srv := h.server
	h.closing = true
	h.mu.Unlock()
	var err error
	if srv != nil {
		if e := srv.Shutdown(ctx); e != nil {
			err = fmt.Errorf("host: finishing requests: %w", e)
		}
		if e := <-h.served; e != nil && !errors.Is(e, http.ErrServerClosed) {
			err = errors.Join(err, e)
		}
	}
	// Plugins flush their spans to the relay, which feeds the exporters
	// flushed last.
	var wg sync.WaitGroup
	for _, ext := range h.external {
		wg.Go(func() { ext.stop(ctx) })
	}
	wg.Wait()
	if h.relay != nil {
		h.relay.stop()
	}
	if e := h.telemetry.Shutdown(ctx); e != nil {
		err = errors.Join(err, fmt.Errorf("host: flushing spans: %w", e))
	}
	return err
}

// Run starts the host and serves until ctx is done, then shuts down
// gracefully within the shutdown timeout.
func (h *Host) Run(ctx context.Context) error {
	shutdown := func() error {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.shutdownT)
		defer cancel()
		return h.Shutdown(sctx)
	}
	// Start waits for the external plugins; a signal meanwhile must not.
	started := make(chan error, 1)
	go func() { started <- h.Start() }()
	select {
	case err := <-started:
		if err != nil {
			return errors.Join(err, shutdown())
		}
	case <-ctx.Done():
		err := shutdown()
		<-started // Shutdown has interrupted the plugins' start
		return err
	}
	h.logger.Info("plugtrace host listening", "url", h.URL())
	if h.store != nil && !h.viewerOff {
		h.logger.Info("trace viewer", "url", h.URL()+viewerPath)
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-h.served:
		h.served <- serveErr // for shutdown
	}
	h.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.shutdownT)
	defer cancel()
	err := h.Shutdown(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(serveErr, err)
	}
	return err
}
