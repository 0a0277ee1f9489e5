package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/auth/apikey"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// pathAPIKeys is the API keys page; its actions return there.
const pathAPIKeys = "/account/api-keys"

// apiKeyPages are the handlers of /account/api-keys.
type apiKeyPages struct {
	keys    *apikey.Service
	u       ui
	baseURL string
}

// handleList renders GET /account/api-keys.
func (p apiKeyPages) handleList(c echo.Context) error {
	return p.render(c, http.StatusOK, views.APIKeyForm{}, "", nil)
}

// render draws the page: the list, the create form (empty, or with its
// errors and 422) and, right after creating one, the new key.
func (p apiKeyPages) render(c echo.Context, status int, form views.APIKeyForm, newKey string, created *apikey.Key) error {
	user, _ := currentUser(c)
	list, err := p.keys.List(c.Request().Context(), user.ID)
	if err != nil {
		return err
	}
	now := time.Now()
	v := views.APIKeysView{Form: form, NewKey: newKey, BaseURL: p.baseURL, SudoUntil: sudoUntil(c)}
	for _, k := range list {
		v.Keys = append(v.Keys, apiKeyRow(k, now))
	}
	if created != nil {
		row := apiKeyRow(*created, now)
		v.NewKeyRow = &row
	}
	return render(c, status, pages.APIKeys(p.u.page(c, "API keys"), v))
}

func apiKeyRow(k apikey.Key, now time.Time) views.APIKeyRow {
	row := views.APIKeyRow{
		ID: k.ID.String(), Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes,
		Created: views.NewTimestamp(k.CreatedAt), Expired: k.Expired(now),
	}
	if k.LastUsedAt != nil {
		row.LastUsed = views.NewTimestamp(*k.LastUsedAt)
	}
	if k.ExpiresAt != nil {
		row.Expires = views.NewTimestamp(*k.ExpiresAt)
	}
	if k.RevokedAt != nil {
		row.Revoked = views.NewTimestamp(*k.RevokedAt)
	}
	return row
}

// handleCreate answers POST /account/api-keys (name, scopes,
// expires_in_days), in sudo mode: 200 with the page showing the new key
// once (id="new-api-key"), or 422 with the errors beside the fields.
func (p apiKeyPages) handleCreate(c echo.Context) error {
	req := c.Request()
	if err := req.ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "The form could not be read.")
	}
	form := views.APIKeyForm{
		Name:          strings.TrimSpace(req.PostForm.Get("name")),
		Scopes:        req.PostForm["scopes"],
		ExpiresInDays: strings.TrimSpace(req.PostForm.Get("expires_in_days")),
		Errors:        views.FormErrors{},
	}
	if form.Scopes == nil {
		form.Scopes = []string{} // nothing ticked, which the form shows as such
	}
	if msg := textProblem(form.Name, apikey.MaxNameLen*4, false); msg != "" {
		form.Errors["name"] = msg
	}
	days := 0
	if form.ExpiresInDays != "" {
		n, err := strconv.Atoi(form.ExpiresInDays)
		if err != nil || n < 1 || n > apikey.MaxExpiresInDays {
			form.Errors["expires_in_days"] = "Choose how long the key works."
		}
		days = n
	}
	if len(form.Errors) > 0 {
		return p.render(c, http.StatusUnprocessableEntity, form, "", nil)
	}
	user, _ := currentUser(c)
	plain, k, err := p.keys.Create(req.Context(), user.ID, form.Name, form.Scopes, days)
	var fe apikey.FieldErrors
	if errors.As(err, &fe) {
		for field, msg := range fe {
			form.Errors[field] = msg
		}
		return p.render(c, http.StatusUnprocessableEntity, form, "", nil)
	}
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, views.APIKeyForm{}, plain, &k)
}

// handleRevoke answers POST /account/api-keys/{id}/revoke: the key stops
// working at once (on every instance), 303 back to the page.
func (p apiKeyPages) handleRevoke(c echo.Context) error {
	user, _ := currentUser(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return echo.NewHTTPError(http.StatusNotFound, "No such API key.")
	}
	err = p.keys.Revoke(c.Request().Context(), user.ID, id)
	if errors.Is(err, apikey.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, "No such API key.")
	}
	if err != nil {
		return err
	}
	p.u.flashes.add(c, views.FlashSuccess, "The API key was revoked. Anything still using it is refused from now on.")
	return redirect(c, pathAPIKeys)
}
