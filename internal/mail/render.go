package mail

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/rampart-dev/rampart/views"
	mailviews "github.com/rampart-dev/rampart/views/mail"
)

// Render renders a templ component (an email from views/mail) to a string.
func Render(ctx context.Context, component templ.Component) (string, error) {
	var sb strings.Builder
	if err := component.Render(ctx, &sb); err != nil {
		return "", fmt.Errorf("mail: render: %w", err)
	}
	return sb.String(), nil
}

// ActionEmail builds a Message asking to to do one thing by following
// actionURL: "Hello,", the intro, a button labelled actionLabel, the same
// link in plain text, the outro and a footer saying that ignoring the mail is
// safe. intro and outro may hold several paragraphs separated by blank lines;
// outro may be empty. The text body is written here by hand, not stripped
// from the HTML.
//
// actionURL must be an absolute http or https URL, built by the caller from
// APP_BASE_URL (never from a request's Host header). It returns an error
// wrapping ErrInvalidMessage for a bad URL, an empty label or an invalid
// message (see Message.Validate).
func ActionEmail(to, subject, intro, actionLabel, actionURL, outro string) (Message, error) {
	if err := validateActionURL(actionURL); err != nil {
		return Message{}, err
	}
	if strings.TrimSpace(actionLabel) == "" {
		return Message{}, fmt.Errorf("%w: the action label is empty", ErrInvalidMessage)
	}
	v := mailviews.Action{
		Title:       subject,
		Greeting:    "Hello,",
		Intro:       paragraphs(intro),
		ActionLabel: actionLabel,
		ActionURL:   actionURL,
		Outro:       paragraphs(outro),
	}
	html, err := Render(context.Background(), mailviews.ActionEmail(v))
	if err != nil {
		return Message{}, err
	}
	m := Message{To: to, Subject: subject, Text: actionText(v), HTML: html}
	if err := m.Validate(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// actionText is the plain-text version of an Action email.
func actionText(v mailviews.Action) string {
	var b strings.Builder
	b.WriteString(v.Greeting + "\n\n")
	for _, p := range v.Intro {
		b.WriteString(p + "\n\n")
	}
	b.WriteString(v.ActionLabel + ":\n" + v.ActionURL + "\n\n")
	for _, p := range v.Outro {
		b.WriteString(p + "\n\n")
	}
	b.WriteString("-- \n" + mailviews.IgnoreNotice + "\n" + views.AppName + "\n")
	return b.String()
}

// paragraphs splits s at blank lines and trims each paragraph.
func paragraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func validateActionURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || hasControl(raw) {
		return fmt.Errorf("%w: the action URL must be an absolute http(s) URL built from APP_BASE_URL", ErrInvalidMessage)
	}
	return nil
}
