// SPDX-License-Identifier: Apache-2.0

package weather

import (
	"hash/fnv"
	"net/http"
)

// DemoUpstream is a stand-in weather service: GET /forecast?city=... answers
// a made-up but stable forecast. The demo host serves it at
// /demo/weather/ so that the example needs no network.
func DemoUpstream() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /forecast", func(w http.ResponseWriter, r *http.Request) {
		city := r.URL.Query().Get("city")
		if city == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "city is required"})
			return
		}
		h := fnv.New32a()
		_, _ = h.Write([]byte(city))
		n := h.Sum32()
		summaries := []string{"sunny", "cloudy", "rain", "windy", "snow"}
		writeJSON(w, http.StatusOK, Forecast{
			City:        city,
			Summary:     summaries[n%uint32(len(summaries))],
			Temperature: float64(int(n%350))/10 - 5,
		})
	})
	return mux
}
