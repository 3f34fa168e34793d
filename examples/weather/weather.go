// SPDX-License-Identifier: Apache-2.0

// Package weather is plugtrace's external example plugin: a separate process
// that the host starts and serves at /api/weather/, and that calls an
// upstream weather service through a traced HTTP client.
package weather

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/plugtrace/plugtrace/httpclient"
	"github.com/plugtrace/plugtrace/plugin"
	"github.com/plugtrace/plugtrace/tracing"
)

// ID is the plugin's id and mount: /api/weather/.
const ID = "weather"

// UpstreamEnv names the variable with the upstream's base URL.
const UpstreamEnv = "WEATHER_UPSTREAM_URL"

// Main runs the plugin; it is the whole main function of a plugin binary
// (and what `plugtrace example-plugin weather` runs).
func Main() error {
	return plugin.Manage(ID, NewHandler, plugin.ManageOpts{
		TracingOpts: plugin.TracingOpts{
			CustomAttributes: []attribute.KeyValue{attribute.String("weather.example", "true")},
		},
	})
}

// Forecast is what GET /api/weather/forecast answers.
type Forecast struct {
	City        string  `json:"city"`
	Summary     string  `json:"summary"`
	Temperature float64 `json:"temperatureC"`
}

// NewHandler builds the plugin's handler: GET /forecast?city=Paris.
func NewHandler(_ context.Context, env plugin.Env) (http.Handler, error) {
	upstream := strings.TrimSuffix(os.Getenv(UpstreamEnv), "/")
	if upstream == "" {
		return nil, fmt.Errorf("%s is not set: configure plugins[].env.%s", UpstreamEnv, UpstreamEnv)
	}
	client, err := env.HTTPClient.New(httpclient.Options{})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /forecast", func(w http.ResponseWriter, r *http.Request) {
		city := r.URL.Query().Get("city")
		if city == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "query parameter city is required"})
			return
		}
		f, err := tracing.Run(r.Context(), env.Tracing, "weather.forecast", func(ctx context.Context, span tracing.Span) (Forecast, error) {
			span.SetAttribute("weather.city", city)
			return fetch(ctx, client, upstream, city)
		}, tracing.WithRequest(r))
		var ue *upstreamError
		switch {
		case errors.As(err, &ue):
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		case err != nil:
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		default:
			env.Logger.InfoContext(r.Context(), "forecast served", "city", city)
			writeJSON(w, http.StatusOK, f)
		}
	})
	return mux, nil
}

type upstreamError struct{ status int }

func (e *upstreamError) Error() string     { return fmt.Sprintf("upstream answered %d", e.status) }
func (e *upstreamError) ErrorType() string { return "upstream_error" }

func fetch(ctx context.Context, client *http.Client, upstream, city string) (Forecast, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream+"/forecast?city="+url.QueryEscape(city), nil)
	if err != nil {
		return Forecast{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return Forecast{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return Forecast{}, &upstreamError{resp.StatusCode}
	}
	var f Forecast
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&f); err != nil {
		return Forecast{}, fmt.Errorf("upstream answer: %w", err)
	}
	return f, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
