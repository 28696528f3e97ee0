package profile

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	const gravatarMy = "https://s.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fmy.png"
	tests := []struct {
		name string
		in   User
		opts NormalizeOptions
		want User
	}{
		{
			name: "trims every root string but the password",
			in: User{UserID: " auth0|1\t", Email: " a@b.co\n", PhoneNumber: " +1 ", Username: " u ", GivenName: " G ",
				FamilyName: " F ", Name: " N ", Nickname: " K ", Picture: " https://x.io/p ", LastIP: " 192.0.2.1 ",
				PasswordHash: " " + vBcrypt + " ", Password: " secret "},
			opts: NormalizeOptions{NoDefaultPicture: true},
			want: User{UserID: "auth0|1", Email: "a@b.co", PhoneNumber: "+1", Username: "u", GivenName: "G",
				FamilyName: "F", Name: "N", Nickname: "K", Picture: "https://x.io/p", LastIP: "192.0.2.1",
				PasswordHash: vBcrypt, Password: " secret "},
		},
		{
			name: "composes to NFC",
			in:   User{Email: "Jose\u0301@Example.com", GivenName: "Jose\u0301", FamilyName: "Mu\u0308ller", Name: "x", Nickname: "x", Picture: "p"},
			want: User{Email: "josé@example.com", GivenName: "José", FamilyName: "Müller", Name: "x", Nickname: "x", Picture: "p"},
		},
		{
			name: "leaves user_id bytes alone",
			in:   User{UserID: "legacy|Jose\u0301", Name: "x", Nickname: "x"},
			want: User{UserID: "legacy|Jose\u0301", Name: "x", Nickname: "x"},
		},
		{
			name: "lowercases email and username",
			in:   User{Email: "Jane.DOE@Example.COM", Username: "JaneD", Name: "x", Nickname: "x", Picture: "p"},
			want: User{Email: "jane.doe@example.com", Username: "janed", Name: "x", Nickname: "x", Picture: "p"},
		},
		{
			name: "keeps case on request",
			in:   User{Email: "Jane.DOE@Example.COM", Username: "JaneD", Name: "x", Nickname: "x", Picture: "p"},
			opts: NormalizeOptions{KeepEmailCase: true, KeepUsernameCase: true},
			want: User{Email: "Jane.DOE@Example.COM", Username: "JaneD", Name: "x", Nickname: "x", Picture: "p"},
		},
		{
			name: "reduces a formatted international number to E.164",
			in:   User{PhoneNumber: "+1 (212) 555-0001", Name: "x", Nickname: "x"},
			want: User{PhoneNumber: "+12125550001", Name: "x", Nickname: "x"},
		},
		{
			name: "never guesses a country",
			in:   User{PhoneNumber: "(212) 555-0001", Name: "x", Nickname: "x"},
			want: User{PhoneNumber: "(212) 555-0001", Name: "x", Nickname: "x"},
		},
		{
			name: "keeps a number with an extension",
			in:   User{PhoneNumber: "+1 212 555 0001 ext 5", Name: "x", Nickname: "x"},
			want: User{PhoneNumber: "+1 212 555 0001 ext 5", Name: "x", Nickname: "x"},
		},
		{
			name: "keeps phone format on request",
			in:   User{PhoneNumber: "+1 212 555 0001", Name: "x", Nickname: "x"},
			opts: NormalizeOptions{KeepPhoneFormat: true},
			want: User{PhoneNumber: "+1 212 555 0001", Name: "x", Nickname: "x"},
		},
		{
			name: "derives name from given and family, nickname from email",
			in:   User{Email: "jane@example.com", GivenName: "Jane", FamilyName: "Doe", Picture: "p"},
			want: User{Email: "jane@example.com", GivenName: "Jane", FamilyName: "Doe", Name: "Jane Doe", Nickname: "jane", Picture: "p"},
		},
		{
			name: "derives name from given alone",
			in:   User{Email: "jane@example.com", GivenName: "Jane", Picture: "p"},
			want: User{Email: "jane@example.com", GivenName: "Jane", Name: "Jane", Nickname: "jane", Picture: "p"},
		},
		{
			name: "derives name from email",
			in:   User{Email: "jane@example.com", Picture: "p"},
			want: User{Email: "jane@example.com", Name: "jane@example.com", Nickname: "jane", Picture: "p"},
		},
		{
			name: "derives from username without email",
			in:   User{Username: "jdoe"},
			want: User{Username: "jdoe", Name: "jdoe", Nickname: "jdoe"},
		},
		{
			name: "derives from phone alone",
			in:   User{PhoneNumber: "+12125550001"},
			want: User{PhoneNumber: "+12125550001", Name: "+12125550001", Nickname: "+12125550001"},
		},
		{
			name: "does not derive a name longer than 150",
			in:   User{GivenName: strings.Repeat("g", 100), FamilyName: strings.Repeat("f", 100), Username: "u"},
			want: User{GivenName: strings.Repeat("g", 100), FamilyName: strings.Repeat("f", 100), Username: "u", Nickname: "u"},
		},
		{
			name: "derives nothing on request",
			in:   User{Email: "jane@example.com"},
			opts: NormalizeOptions{NoDerivedNames: true, NoDefaultPicture: true},
			want: User{Email: "jane@example.com"},
		},
		{
			name: "gives Auth0's default picture (Gravatar's own example address)",
			in:   User{Email: " MyEmailAddress@example.com "},
			want: User{Email: "myemailaddress@example.com", Name: "myemailaddress@example.com", Nickname: "myemailaddress", Picture: gravatarMy},
		},
		{
			name: "hashes the lowercased email even when keeping case",
			in:   User{Email: "MyEmailAddress@example.com", Name: "x", Nickname: "x"},
			opts: NormalizeOptions{KeepEmailCase: true, PictureFallback: "identicon"},
			want: User{Email: "MyEmailAddress@example.com", Name: "x", Nickname: "x",
				Picture: "https://s.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=480&r=pg&d=identicon"},
		},
		{
			name: "takes initials from a two-word name",
			in:   User{Email: "myemailaddress@example.com", GivenName: "Jane", FamilyName: "Doe"},
			want: User{Email: "myemailaddress@example.com", GivenName: "Jane", FamilyName: "Doe", Name: "Jane Doe", Nickname: "myemailaddress",
				Picture: strings.Replace(gravatarMy, "my.png", "jd.png", 1)},
		},
		{
			name: "escapes a fallback url",
			in:   User{Email: "myemailaddress@example.com", Name: "x", Nickname: "x"},
			opts: NormalizeOptions{PictureFallback: "https://img.example.com/a b.png"},
			want: User{Email: "myemailaddress@example.com", Name: "x", Nickname: "x",
				Picture: "https://s.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=480&r=pg&d=https%3A%2F%2Fimg.example.com%2Fa+b.png"},
		},
		{
			name: "keeps an existing picture",
			in:   User{Email: "jane@example.com", Name: "x", Nickname: "x", Picture: "https://x.io/p.png"},
			want: User{Email: "jane@example.com", Name: "x", Nickname: "x", Picture: "https://x.io/p.png"},
		},
		{
			name: "gives no picture without email",
			in:   User{Username: "jdoe", Name: "x", Nickname: "x"},
			want: User{Username: "jdoe", Name: "x", Nickname: "x"},
		},
		{
			name: "no default picture on request",
			in:   User{Email: "jane@example.com", Name: "x", Nickname: "x"},
			opts: NormalizeOptions{NoDefaultPicture: true},
			want: User{Email: "jane@example.com", Name: "x", Nickname: "x"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.in
			Normalize(&u, tt.opts)
			if !reflect.DeepEqual(u, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", u, tt.want)
			}
			again := u
			Normalize(&again, tt.opts)
			if !reflect.DeepEqual(again, u) {
				t.Fatalf("not idempotent:\nonce  %+v\ntwice %+v", u, again)
			}
		})
	}
}

func TestNormalize_NilUserIsANoOp(t *testing.T) {
	Normalize(nil, NormalizeOptions{})
}

func TestNormalize_OutputValidates(t *testing.T) {
	u := User{Email: " Jane.Doe@Example.com ", GivenName: "Jane", FamilyName: "Doe", PhoneNumber: "+1 (212) 555-0001"}
	Normalize(&u, NormalizeOptions{})
	if is := Validate(&u, ValidateOptions{}); is != nil {
		t.Fatalf("normalized user does not validate: %v", is)
	}
}

func TestNormalize_AllocatesNothingWhenNothingChanges(t *testing.T) {
	u := vTypicalUser()
	u.GivenName = "José"
	Normalize(&u, NormalizeOptions{})
	before := u
	allocs := testing.AllocsPerRun(100, func() { Normalize(&u, NormalizeOptions{}) })
	if allocs != 0 || !reflect.DeepEqual(u, before) {
		t.Fatalf("%v allocations per run; changed: %v", allocs, !reflect.DeepEqual(u, before))
	}
}

func TestDefaultPicture_UsesGravatar404WithoutInitials(t *testing.T) {
	got := DefaultPicture("a@b.co", "", "")
	if !strings.HasSuffix(got, "&d=404") || !strings.HasPrefix(got, "https://s.gravatar.com/avatar/") {
		t.Fatalf("got %q", got)
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.Run("unchanged", func(b *testing.B) {
		u := vTypicalUser()
		Normalize(&u, NormalizeOptions{})
		b.ReportAllocs()
		for b.Loop() {
			Normalize(&u, NormalizeOptions{})
		}
	})
	b.Run("unchanged_non_ascii", func(b *testing.B) {
		u := vTypicalUser()
		u.GivenName, u.FamilyName, u.Name = "José", "Müller", "José Müller"
		Normalize(&u, NormalizeOptions{})
		b.ReportAllocs()
		for b.Loop() {
			Normalize(&u, NormalizeOptions{})
		}
	})
	b.Run("csv_row", func(b *testing.B) {
		// A fresh row as a CSV reader produces it: padded, mixed case, no
		// derived attributes yet.
		in := User{Email: " Jane.Doe@Example.com", GivenName: "Jane ", FamilyName: "Doe", PhoneNumber: "+1 212 555 0001"}
		b.ReportAllocs()
		for b.Loop() {
			u := in
			Normalize(&u, NormalizeOptions{})
		}
	})
}

// FuzzNormalize checks that Normalize is idempotent on any input.
func FuzzNormalize(f *testing.F) {
	f.Add("Jose\u0301@Example.com", "JaneD", "Jose\u0301", "+1 (212) 555-0001")
	f.Add(" \u0130@x.y ", "ǅ", "\u1e9e", "+")
	f.Add("a@", "", " ", "+ 1")
	f.Fuzz(func(t *testing.T, email, username, name, phone string) {
		u := User{Email: email, Username: username, GivenName: name, FamilyName: name, PhoneNumber: phone}
		Normalize(&u, NormalizeOptions{})
		again := u
		Normalize(&again, NormalizeOptions{})
		if !reflect.DeepEqual(u, again) {
			t.Fatalf("not idempotent:\nonce  %#v\ntwice %#v", u, again)
		}
	})
}

func TestDefaultPicture_EscapesLikeQueryEscape(t *testing.T) {
	for _, s := range []string{"", "mp", "https://img.example.com/a b.png?x=1&y=ü", "~._-AZaz09", "%/:+@"} {
		var b strings.Builder
		appendQueryEscape(&b, s)
		if want := url.QueryEscape(s); b.String() != want {
			t.Errorf("escape(%q) = %q, want %q", s, b.String(), want)
		}
	}
}

func TestDefaultPicture_Initials(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Jane Doe", "jd"},
		{"jane.doe@example.com", "ja"},
		{"a@example.com", "a"},
		{"Émile Zola", "%C3%A9z"}, // é, query-escaped as part of the fallback URL
		{"Jean-Luc Picard", "jp"},
		{"  (Jane)   Ann Doe", "ja"},
		{"--- ---", ""},
	}
	for _, tt := range tests {
		got := defaultPicture("a@b.co", tt.name, "", "")
		suffix := "&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2F" + tt.want + ".png"
		if tt.want == "" {
			suffix = "&d=404"
		}
		if !strings.HasSuffix(got, suffix) {
			t.Errorf("%q: got %q, want suffix %q", tt.name, got, suffix)
		}
	}
}
