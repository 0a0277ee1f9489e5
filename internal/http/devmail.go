package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/rampart-dev/rampart/internal/db"
	"github.com/rampart-dev/rampart/views"
	"github.com/rampart-dev/rampart/views/pages"
)

// The development mailbox reads the mail outbox. Its routes are registered
// only when APP_ENV is not production (routes.go), so there they are 404.
const (
	devMailPageLimit = 50
	devMailJSONLimit = 100
	// devMailHTMLPolicy is the CSP of an email's HTML body served alone: no
	// script, no fetch, no form, no framing, a sandboxed origin; only the
	// inline styles emails rely on and data: images.
	devMailHTMLPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox"
)

// devMailJSON is one element of GET /dev/mail/messages (DESIGN.md).
type devMailJSON struct {
	ID        uuid.UUID `json:"id"`
	To        string    `json:"to"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	CreatedAt time.Time `json:"created_at"`
}

// handleDevMailIndex renders GET /dev/mail[?to=ADDRESS]: the newest
// devMailPageLimit mails, for one recipient when to is given.
func handleDevMailIndex(pool *pgxpool.Pool, assets views.AssetURLs) echo.HandlerFunc {
	return func(c echo.Context) error {
		to := strings.TrimSpace(c.QueryParam("to"))
		rows, err := listDevMail(c.Request().Context(), pool, to, devMailPageLimit)
		if err != nil {
			return err
		}
		jsonURL := "/dev/mail/messages"
		if to != "" {
			jsonURL += "?" + url.Values{"to": {to}}.Encode()
		}
		v := pages.DevMail{To: to, Limit: devMailPageLimit, JSONURL: jsonURL, Messages: make([]pages.DevMailMessage, 0, len(rows))}
		for _, r := range rows {
			v.Messages = append(v.Messages, devMailView(r))
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		page := views.Page{Title: "Dev mailbox", Assets: assets, Path: c.Request().URL.Path}
		return render(c, http.StatusOK, pages.DevMailbox(page, v))
	}
}

// handleDevMailMessages answers GET /dev/mail/messages[?to=ADDRESS] with a
// JSON array, newest first, of at most devMailJSONLimit mails; to matches
// case-insensitively, and a missing or empty to lists every recipient.
func handleDevMailMessages(pool *pgxpool.Pool) echo.HandlerFunc {
	return func(c echo.Context) error {
		rows, err := listDevMail(c.Request().Context(), pool, strings.TrimSpace(c.QueryParam("to")), devMailJSONLimit)
		if err != nil {
			return err
		}
		out := make([]devMailJSON, 0, len(rows))
		for _, r := range rows {
			out = append(out, devMailJSON{ID: r.ID, To: r.ToAddress, Subject: r.Subject, Text: r.TextBody, HTML: r.HtmlBody, CreatedAt: r.CreatedAt})
		}
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return c.JSON(http.StatusOK, out)
	}
}

// handleDevMailHTML serves GET /dev/mail/{id}/html: one mail's HTML body
// alone, under its own restrictive CSP (devMailHTMLPolicy) and never
// framed. An unknown id, or a mail without HTML, is 404.
func handleDevMailHTML(pool *pgxpool.Pool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return echo.NewHTTPError(http.StatusNotFound, "No such mail.")
		}
		row, err := db.New(pool).GetMail(c.Request().Context(), id)
		if err != nil {
			return db.Translate(err)
		}
		if row.HtmlBody == "" {
			return echo.NewHTTPError(http.StatusNotFound, "This mail has no HTML version.")
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", devMailHTMLPolicy)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set(echo.HeaderCacheControl, "no-store")
		return c.HTMLBlob(http.StatusOK, []byte(row.HtmlBody))
	}
}

// listDevMail returns the newest limit mails, only to's when to is not empty.
func listDevMail(ctx context.Context, pool *pgxpool.Pool, to string, limit int32) ([]db.MailOutbox, error) {
	// No address holds invalid UTF-8 or a NUL, which PostgreSQL would
	// refuse with an error: answer that there is no such thing to ask for.
	if !utf8.ValidString(to) || strings.ContainsRune(to, 0) || len(to) > 320 {
		return nil, echo.NewHTTPError(http.StatusBadRequest, "to must be an email address.")
	}
	q := db.New(pool)
	var rows []db.MailOutbox
	var err error
	if to == "" {
		rows, err = q.ListMail(ctx, limit)
	} else {
		rows, err = q.ListMailByRecipient(ctx, db.ListMailByRecipientParams{ToAddress: to, MaxRows: limit})
	}
	return rows, db.Translate(err)
}

// devMailView turns an outbox row into the page's view model.
func devMailView(r db.MailOutbox) pages.DevMailMessage {
	m := pages.DevMailMessage{
		ID: r.ID.String(), To: r.ToAddress, Subject: r.Subject, Text: r.TextBody,
		CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339), CreatedText: r.CreatedAt.UTC().Format("2006-01-02 15:04:05 MST"),
		Sent: r.SentAt != nil, Attempts: int(r.Attempts), LastError: r.LastError,
	}
	if r.HtmlBody != "" {
		m.HTMLURL = "/dev/mail/" + m.ID + "/html"
	}
	if r.SentAt != nil {
		m.SentText = r.SentAt.UTC().Format("2006-01-02 15:04:05 MST")
	}
	return m
}
