package population

import "math/rand/v2"

// Given names common across Indonesia. Many Indonesians have one name only;
// others have two or three parts, and some regions add a family name.
var (
	maleNames = []string{"Budi", "Agus", "Ahmad", "Muhammad", "Joko", "Slamet", "Eko", "Dedi", "Hendra", "Rudi",
		"Andi", "Bambang", "Sutrisno", "Wahyu", "Rizki", "Dimas", "Fajar", "Iwan", "Yusuf", "Hasan", "Irfan",
		"Teguh", "Arif", "Bayu", "Dwi", "Heru", "Imam", "Kurniawan", "Made", "Wayan", "Nyoman", "Ketut",
		"Yohanes", "Petrus", "Fransiskus", "Rahmat", "Syahrul", "Taufik", "Usman", "Zainal", "Aditya", "Gilang"}
	femaleNames = []string{"Siti", "Sri", "Dewi", "Nur", "Ani", "Rina", "Yuni", "Wati", "Fitri", "Lestari",
		"Ratna", "Endang", "Sulastri", "Aminah", "Fatimah", "Indah", "Putri", "Ayu", "Kartini", "Nurul",
		"Maria", "Yohana", "Desi", "Novi", "Puspita", "Rahmawati", "Suryani", "Wulan", "Aisyah", "Annisa",
		"Ni Made", "Ni Luh", "Ni Ketut", "Tri", "Eka", "Mega", "Dian", "Kurnia", "Salsabila", "Zahra"}
	secondNames = []string{"Santoso", "Pratama", "Saputra", "Wijaya", "Hidayat", "Setiawan", "Nugroho", "Susanto",
		"Rahman", "Hakim", "Kusuma", "Purnama", "Permana", "Gunawan", "Hartono", "Firmansyah", "Maulana",
		"Wibowo", "Sari", "Handayani", "Rahayu", "Utami", "Anggraini", "Lestari", "Safitri", "Wahyuni"}
	// Family names by province, for the regions where they are customary.
	familyNames = map[string][]string{
		"12": {"Siregar", "Nasution", "Simanjuntak", "Sitompul", "Hutapea", "Lubis", "Harahap", "Sinaga"},
		"53": {"Ndun", "Fanggidae", "Manafe", "Bessie", "Tallo", "Amalo"},
		"71": {"Lumempouw", "Wowor", "Rondonuwu", "Tumbelaka", "Pangemanan", "Kaunang"},
		"81": {"Latuconsina", "Pattimura", "Tuasikal", "Wattimena", "Latumahina"},
		"94": {"Wenda", "Kogoya", "Tabuni", "Wonda", "Rumbiak", "Kambu"},
		"97": {"Wenda", "Kogoya", "Tabuni", "Wonda", "Murib"},
	}
	streetNames = []string{"Merdeka", "Sudirman", "Diponegoro", "Ahmad Yani", "Gatot Subroto", "Pahlawan",
		"Kartini", "Pemuda", "Mawar", "Melati", "Kenanga", "Flamboyan", "Veteran", "Pattimura", "Imam Bonjol",
		"Hasanuddin", "Raya", "Cempaka", "Anggrek", "Kamboja", "Sisingamangaraja", "Gajah Mada", "Hayam Wuruk"}
	hamletNames = []string{"Krajan", "Sukamaju", "Sukamulya", "Mekarsari", "Karanganyar", "Tegalsari", "Sidomulyo",
		"Sumberejo", "Purwodadi", "Margomulyo", "Suka Damai", "Tanjung", "Lembah Hijau", "Pasir"}
)

func personName(r *rand.Rand, female bool, familyName string) string {
	var first string
	if female {
		first = femaleNames[r.IntN(len(femaleNames))]
	} else {
		first = maleNames[r.IntN(len(maleNames))]
	}
	switch {
	case familyName != "":
		return first + " " + familyName
	case bernoulli(r, 0.6):
		return first + " " + secondNames[r.IntN(len(secondNames))]
	}
	return first
}

func familyNameFor(r *rand.Rand, prov string) string {
	if names, ok := familyNames[prov]; ok && bernoulli(r, 0.7) {
		return names[r.IntN(len(names))]
	}
	return ""
}
