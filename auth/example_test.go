// SPDX-License-Identifier: Apache-2.0

package auth_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/plugtrace/plugtrace/auth"
)

// A host authenticates a request and stores the caller in its context;
// plugin code reads it back.
func ExampleContextWithCredentials() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := auth.CredentialsFromContext(r.Context())
		fmt.Println(c.PrincipalType(), c.PrincipalID())
	})
	r := httptest.NewRequest(http.MethodGet, "/api/todos/", nil)
	r = r.WithContext(auth.ContextWithCredentials(r.Context(), auth.ServiceCredentials("external:my-service")))
	handler.ServeHTTP(httptest.NewRecorder(), r)
	// Output: service external:my-service
}
