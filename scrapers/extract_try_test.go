package scrapers

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"heard/models"
)

func TestTryExtract(t *testing.T) {
	j := models.Jurisdiction{Code: "OH", TimeZone: "America/New_York"}
	now := time.Date(2027, 2, 1, 12, 0, 0, 0, time.UTC)
	for _, it := range []Item{
		{Title: "ESSA listening session for parents and teachers", Description: "Join us Tuesday, March 3, 6–8 p.m. at the Dayton Public Library. Interpretation in Spanish and Somali available. To request an accommodation, contact us.", Location: "Dayton"},
		{Title: "Public comment period on draft ESSA plan", Description: "Comments accepted from January 5 through February 10, 2027."},
		{Title: "Comments due Feb. 10 on ESSA amendment", Description: "Submit comments online."},
		{Title: "Sesión de escucha para padres", Description: "Los padres y familias están invitados a compartir comentarios sobre la escuela. 3 de marzo de 2027, 6:00 p.m."},
		{Title: "Governor announces new highway funding"},
		{Title: "ESSA webinar", DateText: "2027-03-03T18:00:00-05:00"},
	} {
		a, ok := Extract(it, j, now)
		b, _ := json.MarshalIndent(a, "", " ")
		fmt.Println(ok, string(b))
	}
}
