// SPDX-License-Identifier: Apache-2.0

// Package todos is plugtrace's in-process example plugin: a to-do list at
// /api/todos/, with one span per call, attributed to the caller.
package todos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/plugtrace/plugtrace/auth"
	"github.com/plugtrace/plugtrace/host"
	"github.com/plugtrace/plugtrace/tracing"
)

// ID is the plugin's id and mount: /api/todos/.
const ID = "todos"

// Plugin returns the plugin, for host.WithPlugins.
func Plugin() host.Plugin {
	return host.Plugin{ID: ID, Init: func(_ context.Context, env host.Env) error {
		p := &plugin{tracing: env.Tracing, env: env}
		env.Router.HandleFunc("GET /{$}", p.list)
		env.Router.HandleFunc("POST /{$}", p.create)
		// Anyone may read the list; adding to it needs a caller.
		return env.AllowAnonymous("GET /{$}")
	}}
}

// Todo is one item of the list.
type Todo struct {
	ID        int    `json:"id"`
	Title     string `json:"title"`
	CreatedBy string `json:"createdBy"`
}

type plugin struct {
	tracing tracing.Service
	env     host.Env

	mu    sync.Mutex
	todos []Todo
}

func (p *plugin) list(w http.ResponseWriter, r *http.Request) {
	todos, err := tracing.Run(r.Context(), p.tracing, "todos.list", func(ctx context.Context, span tracing.Span) ([]Todo, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		span.SetAttribute("todos.count", len(p.todos))
		return append([]Todo{}, p.todos...), nil
	}, tracing.WithRequest(r))
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"todos": todos})
}

// errBadTodo is a client error: the body is not a to-do.
type errBadTodo struct{ reason string }

func (e *errBadTodo) Error() string     { return "invalid todo: " + e.reason }
func (e *errBadTodo) ErrorType() string { return "invalid_todo" }

func (p *plugin) create(w http.ResponseWriter, r *http.Request) {
	todo, err := tracing.Run(r.Context(), p.tracing, "todos.create", func(ctx context.Context, span tracing.Span) (Todo, error) {
		var in struct {
			Title *string `json:"title"`
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
		if err != nil {
			return Todo{}, &errBadTodo{"unreadable body: " + err.Error()}
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return Todo{}, &errBadTodo{"body must be a JSON object"}
		}
		if err := json.Unmarshal(body, &in); err != nil {
			return Todo{}, &errBadTodo{"title must be a string"}
		}
		if in.Title == nil || strings.TrimSpace(*in.Title) == "" {
			return Todo{}, &errBadTodo{"title must be a non-empty string"}
		}
		creds, _ := auth.CredentialsFromContext(ctx)
		p.mu.Lock()
		t := Todo{ID: len(p.todos) + 1, Title: *in.Title, CreatedBy: creds.String()}
		p.todos = append(p.todos, t)
		p.mu.Unlock()
		span.SetAttribute("todos.id", t.ID)
		p.env.Logger.InfoContext(ctx, "todo created", "todo_id", t.ID)
		return t, nil
	}, tracing.WithRequest(r))
	var bad *errBadTodo
	switch {
	case errors.As(err, &bad):
		writeError(w, http.StatusBadRequest, bad.Error())
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
	default:
		w.Header().Set("Location", fmt.Sprintf("/api/todos/%d", todo.ID))
		writeJSON(w, http.StatusCreated, todo)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
