// SPDX-License-Identifier: Apache-2.0

package benchproc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/plugtrace/plugtrace/examples/weather"
)

// newReverseProxy is the anchor's front: net/http/httputil's ReverseProxy
// to backend, as its documentation builds one, over pooled keep-alive
// connections.
func newReverseProxy(backend string) (http.Handler, error) {
	target, err := url.Parse(backend)
	if err != nil {
		return nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = pooled()
	return proxy, nil
}

// newBackend does what the weather example plugin does for GET
// /api/weather/forecast?city=..., without plugtrace: it fetches the
// forecast from the upstream over pooled connections, decodes it, and
// answers it as JSON.
func newBackend(upstream string, client *http.Client) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/weather/forecast", func(w http.ResponseWriter, r *http.Request) {
		city := r.URL.Query().Get("city")
		if city == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "query parameter city is required"})
			return
		}
		f, err := fetch(r.Context(), client, upstream, city)
		if err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, f)
	})
	return mux
}

func fetch(ctx context.Context, client *http.Client, upstream, city string) (weather.Forecast, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, upstream+"/forecast?city="+url.QueryEscape(city), nil)
	if err != nil {
		return weather.Forecast{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return weather.Forecast{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return weather.Forecast{}, fmt.Errorf("upstream answered %d", resp.StatusCode)
	}
	var f weather.Forecast
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&f); err != nil {
		return weather.Forecast{}, fmt.Errorf("upstream answer: %w", err)
	}
	return f, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
