package pages

import (
	"net/http"
	"strconv"

	"github.com/rampart-dev/rampart/views"
)

// errorView is what the error page shows, with the defaults filled in.
type errorView struct {
	Page    views.Page
	Status  string
	Title   string
	Message string
}

// newErrorView fills in a title and message for the status when the caller
// gave none, and titles the document after the error. A status outside
// 400-599 is shown as 500: this page only ever reports failures.
func newErrorView(p views.Page, status int, title, message string) errorView {
	if status < 400 || status > 599 {
		status = http.StatusInternalServerError
	}
	if title == "" {
		title = defaultErrorTitle(status)
	}
	if message == "" {
		message = defaultErrorMessage(status)
	}
	if p.Title == "" {
		p.Title = title
	}
	return errorView{Page: p, Status: strconv.Itoa(status), Title: title, Message: message}
}

// defaultErrorTitle names a status the way a person would.
func defaultErrorTitle(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "That request didn't work"
	case http.StatusUnauthorized:
		return "Please log in"
	case http.StatusForbidden:
		return "Access denied"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusMethodNotAllowed:
		return "Not allowed"
	case http.StatusRequestEntityTooLarge:
		return "That was too large"
	case http.StatusTooManyRequests:
		return "Slow down a little"
	case http.StatusServiceUnavailable:
		return "We'll be right back"
	default:
		return "Something went wrong"
	}
}

// defaultErrorMessage explains a status in words a user understands,
// without saying anything about the server's internals.
func defaultErrorMessage(status int) string {
	switch {
	case status == http.StatusBadRequest:
		return "We couldn't understand that request. Please check what you entered and try again."
	case status == http.StatusUnauthorized:
		return "Please log in to see this page."
	case status == http.StatusForbidden:
		return "You don't have permission to do that. If you think you should, ask an administrator."
	case status == http.StatusNotFound:
		return "We couldn't find that page. The link may be mistyped, or the page may have moved."
	case status == http.StatusMethodNotAllowed:
		return "That page can't be used this way."
	case status == http.StatusRequestEntityTooLarge:
		return "That was more data than we accept in one request."
	case status == http.StatusTooManyRequests:
		return "Too many requests in a short time. Please wait a moment and try again."
	case status == http.StatusServiceUnavailable:
		return "The service is briefly unavailable. Please try again in a minute."
	case status >= 500:
		return "An unexpected error happened on our side and it has been logged. Please try again in a moment."
	default:
		return "We couldn't complete that request."
	}
}
