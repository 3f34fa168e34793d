// SPDX-License-Identifier: Apache-2.0

package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/credentials"

	"github.com/plugtrace/plugtrace/config"
	"github.com/plugtrace/plugtrace/internal/otlpexport"
)

// newOTLPExporter builds the OTLP exporter of cfg: the SDK's OTLP client
// behind plugtrace's encoder (internal/otlpexport). What cfg leaves empty,
// the client reads from the standard OTEL_EXPORTER_OTLP_* variables itself
// (endpoint, headers, insecure, certificates, timeout, compression), or
// takes its default. It does not connect: an unreachable collector shows
// up as failed exports, not as a start-up error.
func newOTLPExporter(ctx context.Context, cfg config.OTLP) (sdktrace.SpanExporter, error) {
	tlsCfg, err := tlsConfig(cfg.TLS)
	if err != nil {
		return nil, err
	}
	cfg.Protocol = protocol(cfg.Protocol)
	endpointURL, isURL, err := endpointURL(cfg)
	if err != nil {
		return nil, err
	}
	switch cfg.Protocol {
	case config.ProtocolGRPC:
		var opts []otlptracegrpc.Option
		switch {
		case isURL:
			opts = append(opts, otlptracegrpc.WithEndpointURL(endpointURL))
		case cfg.Endpoint != "":
			opts = append(opts, otlptracegrpc.WithEndpoint(cfg.Endpoint))
		}
		switch {
		case cfg.Insecure:
			opts = append(opts, otlptracegrpc.WithInsecure())
		case tlsCfg != nil:
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tlsCfg)))
		}
		if cfg.Headers != nil {
			opts = append(opts, otlptracegrpc.WithHeaders(cfg.Headers))
		}
		return otlpexport.NewGRPC(ctx, opts...)
	case config.ProtocolHTTPProtobuf:
		var opts []otlptracehttp.Option
		switch {
		case isURL:
			opts = append(opts, otlptracehttp.WithEndpointURL(endpointURL))
		case cfg.Endpoint != "":
			opts = append(opts, otlptracehttp.WithEndpoint(cfg.Endpoint))
		}
		switch {
		case cfg.Insecure:
			opts = append(opts, otlptracehttp.WithInsecure())
		case tlsCfg != nil:
			opts = append(opts, otlptracehttp.WithTLSClientConfig(tlsCfg))
		}
		if cfg.Headers != nil {
			opts = append(opts, otlptracehttp.WithHeaders(cfg.Headers))
		}
		return otlpexport.NewHTTP(ctx, opts...) // protobuf, whatever the variables say
	}
	return nil, fmt.Errorf("backend.tracing.otlp.protocol: %q is not grpc or http/protobuf", cfg.Protocol)
}

// protocol is the configured OTLP protocol, or else the one the standard
// variables name, or else grpc. The clients do not choose between gRPC and
// HTTP from these variables (otlptracehttp reads them only for its JSON
// encoding, which otlpexport.NewHTTP turns off); contrib's autoexport
// does, but it also obeys OTEL_TRACES_EXPORTER, which
// backend.tracing.exporter replaces, and it defaults to http/protobuf
// where plugtrace documents grpc.
func protocol(configured string) string {
	if configured != "" {
		return configured
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if v := strings.TrimSpace(os.Getenv(name)); v != "" {
			return v // config.Load has checked it
		}
	}
	return config.ProtocolGRPC
}

// endpointURL returns cfg's endpoint as the exporters' WithEndpointURL takes
// it (config.OTLP.EndpointURL), and false for a host:port endpoint or none.
func endpointURL(cfg config.OTLP) (string, bool, error) {
	if !strings.Contains(cfg.Endpoint, "://") {
		return "", false, nil
	}
	if u, err := url.Parse(cfg.Endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		// Not the value: its user info may be a credential.
		return "", false, errors.New("backend.tracing.otlp.endpoint: neither host:port nor an http(s) URL")
	}
	return cfg.EndpointURL(), true, nil
}

func tlsConfig(t config.TLS) (*tls.Config, error) {
	if t.CAFile == "" && t.CertFile == "" && t.KeyFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("backend.tracing.otlp.tls.caFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("backend.tracing.otlp.tls.caFile: %s holds no PEM certificate", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	if t.CertFile != "" || t.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("backend.tracing.otlp.tls.certFile/keyFile: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
