package telemetry

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc/credentials"

	"github.com/plugtrace/plugtrace/config"
)

// newOTLPExporter builds the OTLP exporter of cfg. It does not connect:
// an unreachable collector shows up as failed exports, not as a start-up
// error.
func newOTLPExporter(ctx context.Context, cfg config.OTLP) (sdktrace.SpanExporter, error) {
	tlsCfg, err := tlsConfig(cfg.TLS)
	if err != nil {
		return nil, err
	}
	endpointURL, isURL, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	switch cfg.Protocol {
	case "grpc", "":
		var opts []otlptracegrpc.Option
		if isURL {
			opts = append(opts, otlptracegrpc.WithEndpointURL(endpointURL))
		} else {
			opts = append(opts, otlptracegrpc.WithEndpoint(cfg.Endpoint))
		}
		switch {
		case cfg.Insecure:
			opts = append(opts, otlptracegrpc.WithInsecure())
		case tlsCfg != nil:
			opts = append(opts, otlptracegrpc.WithTLSCredentials(credentials.NewTLS(tlsCfg)))
		}
		if len(cfg.Headers) > 0 {
			opts = append(opts, otlptracegrpc.WithHeaders(cfg.Headers))
		}
		return otlptracegrpc.New(ctx, opts...)
	case "http/protobuf":
		var opts []otlptracehttp.Option
		if isURL {
			opts = append(opts, otlptracehttp.WithEndpointURL(endpointURL))
		} else {
			opts = append(opts, otlptracehttp.WithEndpoint(cfg.Endpoint))
		}
		switch {
		case cfg.Insecure:
			opts = append(opts, otlptracehttp.WithInsecure())
		case tlsCfg != nil:
			opts = append(opts, otlptracehttp.WithTLSClientConfig(tlsCfg))
		}
		if len(cfg.Headers) > 0 {
			opts = append(opts, otlptracehttp.WithHeaders(cfg.Headers))
		}
		return otlptracehttp.New(ctx, opts...)
	}
	return nil, fmt.Errorf("backend.tracing.otlp.protocol: %q is not grpc or http/protobuf", cfg.Protocol)
}

// parseEndpoint tells a URL endpoint ("https://collector:4318/v1/traces")
// from a host:port one. A URL without a path gets the standard traces path.
func parseEndpoint(endpoint string) (string, bool, error) {
	if !strings.Contains(endpoint, "://") {
		return endpoint, false, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false, fmt.Errorf("backend.tracing.otlp.endpoint: %q is neither host:port nor an http(s) URL", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	return u.String(), true, nil
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
