package components

// FieldSpec describes one labelled form input for Field.
type FieldSpec struct {
	Name         string // the form field name, also the input's id unless ID is set
	ID           string
	Label        string
	Type         string // "email", "password", "text", "search"; default "text"
	Value        string // ignored for password inputs: a password is never echoed back
	Autocomplete string // "email", "current-password", "new-password", "one-time-code", ...
	InputMode    string // the virtual keyboard to show: "numeric", "text", ...; "" for none
	Error        string // shown beside the input, which is then marked aria-invalid
	Hint         string // help shown under the input when there is no error
	Required     bool
	Autofocus    bool
	MaxLength    int // 0: no maxlength attribute
}

func (f FieldSpec) id() string {
	if f.ID != "" {
		return f.ID
	}
	return "field-" + f.Name
}

func (f FieldSpec) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// value is what the input shows: never a password.
func (f FieldSpec) value() string {
	if f.inputType() == "password" {
		return ""
	}
	return f.Value
}

// describedBy is the id of the message under the input, if any.
func (f FieldSpec) describedBy() string {
	if f.Error != "" || f.Hint != "" {
		return f.id() + "-help"
	}
	return ""
}
