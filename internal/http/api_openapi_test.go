package http

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the part of an OpenAPI 3.1 document these tests read.
type openAPIDoc struct {
	OpenAPI    string                                 `json:"openapi"`
	Paths      map[string]map[string]openAPIOperation `json:"paths"`
	Components struct {
		Responses map[string]json.RawMessage `json:"responses"`
		Schemas   map[string]json.RawMessage `json:"schemas"`
	} `json:"components"`
}

type openAPIOperation struct {
	OperationID string                     `json:"operationId"`
	Responses   map[string]openAPIResponse `json:"responses"`
}

type openAPIResponse struct {
	Ref         string `json:"$ref"`
	Description string `json:"description"`
}

// openAPIMethods are the operations a path item may hold that the router
// can serve.
var openAPIMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func fetchOpenAPI(t *testing.T, s *testServer) (openAPIDoc, string) {
	t.Helper()
	res, body := s.get(t, "/api/openapi.json")
	wantStatus(t, "GET /api/openapi.json", res, body, http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var doc openAPIDoc
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc, body
}

func TestOpenAPIDocumentIsServed(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	doc, body := fetchOpenAPI(t, s)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	if !json.Valid([]byte(body)) || len(doc.Paths) == 0 {
		t.Error("the document describes no paths")
	}
	// Refs point inside the document, at something that exists.
	for _, m := range regexp.MustCompile(`"\$ref":\s*"([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ref := m[1]
		name, ok := strings.CutPrefix(ref, "#/components/responses/")
		_, found := doc.Components.Responses[name]
		if !ok {
			name, ok = strings.CutPrefix(ref, "#/components/schemas/")
			_, found = doc.Components.Schemas[name]
		}
		if !ok || !found {
			t.Errorf("$ref %q resolves to nothing in the document", ref)
		}
	}
}

// echoPathParam matches Echo's path parameters (":id").
var echoPathParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

func TestOpenAPIDescribesEveryAPIRoute(t *testing.T) {
	t.Parallel()
	s := newAccountServer(t, nil)
	doc, _ := fetchOpenAPI(t, s)
	e, ok := s.handler.(*echo.Echo)
	if !ok {
		t.Fatalf("NewHandler returned %T, want *echo.Echo", s.handler)
	}

	routed := map[string]bool{}
	for _, r := range e.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") || r.Path == "/api/*" || !slices.Contains(openAPIMethods, r.Method) {
			continue
		}
		path := echoPathParam.ReplaceAllString(r.Path, "{$1}")
		routed[r.Method+" "+path] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json (as %s)", r.Method, r.Path, path)
		}
	}
	for _, want := range []string{"GET /api/v1/me", "POST /api/v1/auth/token", "DELETE /api/v1/api-keys/{id}"} {
		if !routed[want] {
			t.Fatalf("the router has no %s: the route walk is broken (routes: %v)", want, routed)
		}
	}

	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			m := strings.ToUpper(method)
			if !slices.Contains(openAPIMethods, m) {
				continue
			}
			if !routed[m+" "+path] {
				t.Errorf("openapi.json describes %s %s, which no route serves", m, path)
			}
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: operationId %q is missing or repeated", m, path, op.OperationID)
			}
			ids[op.OperationID] = true
			if len(op.Responses) == 0 {
				t.Errorf("%s %s declares no responses", m, path)
			}
			for status, r := range op.Responses {
				if r.Ref == "" && r.Description == "" {
					t.Errorf("%s %s: response %s has neither a description nor a $ref", m, path, status)
				}
				if !regexp.MustCompile(`^[1-5][0-9][0-9]$`).MatchString(status) {
					t.Errorf("%s %s: response key %q is not a status code", m, path, status)
				}
			}
		}
	}
}
