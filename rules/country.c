/* ISO 3166-1 alpha-2 country codes, sets of them, and the EEA default. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules/country.h"

struct country {
	char cc[3];
	const char *name;
};

/*
 * Every officially assigned ISO 3166-1 alpha-2 code (249, as of iso-codes
 * 4.15) with its English short name, sorted by code for bsearch. Names
 * use the common form where ISO's is formal ("Bolivia", not "Bolivia,
 * Plurinational State of").
 *
 * XK (Kosovo) is a user-assigned code, not an ISO assignment, but the EU,
 * MaxMind, DB-IP and IPFire all use it: rejecting it would make a register
 * unable to name a country the geodb returns. So it is accepted here, and
 * only here: it is neither a region nor in the EEA.
 */
static const struct country country_table[] = {
	{ "AD", "Andorra" },
	{ "AE", "United Arab Emirates" },
	{ "AF", "Afghanistan" },
	{ "AG", "Antigua and Barbuda" },
	{ "AI", "Anguilla" },
	{ "AL", "Albania" },
	{ "AM", "Armenia" },
	{ "AO", "Angola" },
	{ "AQ", "Antarctica" },
	{ "AR", "Argentina" },
	{ "AS", "American Samoa" },
	{ "AT", "Austria" },
	{ "AU", "Australia" },
	{ "AW", "Aruba" },
	{ "AX", "Åland Islands" },
	{ "AZ", "Azerbaijan" },
	{ "BA", "Bosnia and Herzegovina" },
	{ "BB", "Barbados" },
	{ "BD", "Bangladesh" },
	{ "BE", "Belgium" },
	{ "BF", "Burkina Faso" },
	{ "BG", "Bulgaria" },
	{ "BH", "Bahrain" },
	{ "BI", "Burundi" },
	{ "BJ", "Benin" },
	{ "BL", "Saint Barthélemy" },
	{ "BM", "Bermuda" },
	{ "BN", "Brunei Darussalam" },
	{ "BO", "Bolivia" },
	{ "BQ", "Bonaire, Sint Eustatius and Saba" },
	{ "BR", "Brazil" },
	{ "BS", "Bahamas" },
	{ "BT", "Bhutan" },
	{ "BV", "Bouvet Island" },
	{ "BW", "Botswana" },
	{ "BY", "Belarus" },
	{ "BZ", "Belize" },
	{ "CA", "Canada" },
	{ "CC", "Cocos (Keeling) Islands" },
	{ "CD", "Congo, The Democratic Republic of the" },
	{ "CF", "Central African Republic" },
	{ "CG", "Congo" },
	{ "CH", "Switzerland" },
	{ "CI", "Côte d'Ivoire" },
	{ "CK", "Cook Islands" },
	{ "CL", "Chile" },
	{ "CM", "Cameroon" },
	{ "CN", "China" },
	{ "CO", "Colombia" },
	{ "CR", "Costa Rica" },
	{ "CU", "Cuba" },
	{ "CV", "Cabo Verde" },
	{ "CW", "Curaçao" },
	{ "CX", "Christmas Island" },
	{ "CY", "Cyprus" },
	{ "CZ", "Czechia" },
	{ "DE", "Germany" },
	{ "DJ", "Djibouti" },
	{ "DK", "Denmark" },
	{ "DM", "Dominica" },
	{ "DO", "Dominican Republic" },
	{ "DZ", "Algeria" },
	{ "EC", "Ecuador" },
	{ "EE", "Estonia" },
	{ "EG", "Egypt" },
	{ "EH", "Western Sahara" },
	{ "ER", "Eritrea" },
	{ "ES", "Spain" },
	{ "ET", "Ethiopia" },
	{ "FI", "Finland" },
	{ "FJ", "Fiji" },
	{ "FK", "Falkland Islands (Malvinas)" },
	{ "FM", "Micronesia, Federated States of" },
	{ "FO", "Faroe Islands" },
	{ "FR", "France" },
	{ "GA", "Gabon" },
	{ "GB", "United Kingdom" },
	{ "GD", "Grenada" },
	{ "GE", "Georgia" },
	{ "GF", "French Guiana" },
	{ "GG", "Guernsey" },
	{ "GH", "Ghana" },
	{ "GI", "Gibraltar" },
	{ "GL", "Greenland" },
	{ "GM", "Gambia" },
	{ "GN", "Guinea" },
	{ "GP", "Guadeloupe" },
	{ "GQ", "Equatorial Guinea" },
	{ "GR", "Greece" },
	{ "GS", "South Georgia and the South Sandwich Islands" },
	{ "GT", "Guatemala" },
	{ "GU", "Guam" },
	{ "GW", "Guinea-Bissau" },
	{ "GY", "Guyana" },
	{ "HK", "Hong Kong" },
	{ "HM", "Heard Island and McDonald Islands" },
	{ "HN", "Honduras" },
	{ "HR", "Croatia" },
	{ "HT", "Haiti" },
	{ "HU", "Hungary" },
	{ "ID", "Indonesia" },
	{ "IE", "Ireland" },
	{ "IL", "Israel" },
	{ "IM", "Isle of Man" },
	{ "IN", "India" },
	{ "IO", "British Indian Ocean Territory" },
	{ "IQ", "Iraq" },
	{ "IR", "Iran" },
	{ "IS", "Iceland" },
	{ "IT", "Italy" },
	{ "JE", "Jersey" },
	{ "JM", "Jamaica" },
	{ "JO", "Jordan" },
	{ "JP", "Japan" },
	{ "KE", "Kenya" },
	{ "KG", "Kyrgyzstan" },
	{ "KH", "Cambodia" },
	{ "KI", "Kiribati" },
	{ "KM", "Comoros" },
	{ "KN", "Saint Kitts and Nevis" },
	{ "KP", "North Korea" },
	{ "KR", "South Korea" },
	{ "KW", "Kuwait" },
	{ "KY", "Cayman Islands" },
	{ "KZ", "Kazakhstan" },
	{ "LA", "Laos" },
	{ "LB", "Lebanon" },
	{ "LC", "Saint Lucia" },
	{ "LI", "Liechtenstein" },
	{ "LK", "Sri Lanka" },
	{ "LR", "Liberia" },
	{ "LS", "Lesotho" },
	{ "LT", "Lithuania" },
	{ "LU", "Luxembourg" },
	{ "LV", "Latvia" },
	{ "LY", "Libya" },
	{ "MA", "Morocco" },
	{ "MC", "Monaco" },
	{ "MD", "Moldova" },
	{ "ME", "Montenegro" },
	{ "MF", "Saint Martin (French part)" },
	{ "MG", "Madagascar" },
	{ "MH", "Marshall Islands" },
	{ "MK", "North Macedonia" },
	{ "ML", "Mali" },
	{ "MM", "Myanmar" },
	{ "MN", "Mongolia" },
	{ "MO", "Macao" },
	{ "MP", "Northern Mariana Islands" },
	{ "MQ", "Martinique" },
	{ "MR", "Mauritania" },
	{ "MS", "Montserrat" },
	{ "MT", "Malta" },
	{ "MU", "Mauritius" },
	{ "MV", "Maldives" },
	{ "MW", "Malawi" },
	{ "MX", "Mexico" },
	{ "MY", "Malaysia" },
	{ "MZ", "Mozambique" },
	{ "NA", "Namibia" },
	{ "NC", "New Caledonia" },
	{ "NE", "Niger" },
	{ "NF", "Norfolk Island" },
	{ "NG", "Nigeria" },
	{ "NI", "Nicaragua" },
	{ "NL", "Netherlands" },
	{ "NO", "Norway" },
	{ "NP", "Nepal" },
	{ "NR", "Nauru" },
	{ "NU", "Niue" },
	{ "NZ", "New Zealand" },
	{ "OM", "Oman" },
	{ "PA", "Panama" },
	{ "PE", "Peru" },
	{ "PF", "French Polynesia" },
	{ "PG", "Papua New Guinea" },
	{ "PH", "Philippines" },
	{ "PK", "Pakistan" },
	{ "PL", "Poland" },
	{ "PM", "Saint Pierre and Miquelon" },
	{ "PN", "Pitcairn" },
	{ "PR", "Puerto Rico" },
	{ "PS", "Palestine, State of" },
	{ "PT", "Portugal" },
	{ "PW", "Palau" },
	{ "PY", "Paraguay" },
	{ "QA", "Qatar" },
	{ "RE", "Réunion" },
	{ "RO", "Romania" },
	{ "RS", "Serbia" },
	{ "RU", "Russian Federation" },
	{ "RW", "Rwanda" },
	{ "SA", "Saudi Arabia" },
	{ "SB", "Solomon Islands" },
	{ "SC", "Seychelles" },
	{ "SD", "Sudan" },
	{ "SE", "Sweden" },
	{ "SG", "Singapore" },
	{ "SH", "Saint Helena, Ascension and Tristan da Cunha" },
	{ "SI", "Slovenia" },
	{ "SJ", "Svalbard and Jan Mayen" },
	{ "SK", "Slovakia" },
	{ "SL", "Sierra Leone" },
	{ "SM", "San Marino" },
	{ "SN", "Senegal" },
	{ "SO", "Somalia" },
	{ "SR", "Suriname" },
	{ "SS", "South Sudan" },
	{ "ST", "Sao Tome and Principe" },
	{ "SV", "El Salvador" },
	{ "SX", "Sint Maarten (Dutch part)" },
	{ "SY", "Syria" },
	{ "SZ", "Eswatini" },
	{ "TC", "Turks and Caicos Islands" },
	{ "TD", "Chad" },
	{ "TF", "French Southern Territories" },
	{ "TG", "Togo" },
	{ "TH", "Thailand" },
	{ "TJ", "Tajikistan" },
	{ "TK", "Tokelau" },
	{ "TL", "Timor-Leste" },
	{ "TM", "Turkmenistan" },
	{ "TN", "Tunisia" },
	{ "TO", "Tonga" },
	{ "TR", "Türkiye" },
	{ "TT", "Trinidad and Tobago" },
	{ "TV", "Tuvalu" },
	{ "TW", "Taiwan" },
	{ "TZ", "Tanzania" },
	{ "UA", "Ukraine" },
	{ "UG", "Uganda" },
	{ "UM", "United States Minor Outlying Islands" },
	{ "US", "United States" },
	{ "UY", "Uruguay" },
	{ "UZ", "Uzbekistan" },
	{ "VA", "Holy See (Vatican City State)" },
	{ "VC", "Saint Vincent and the Grenadines" },
	{ "VE", "Venezuela" },
	{ "VG", "Virgin Islands, British" },
	{ "VI", "Virgin Islands, U.S." },
	{ "VN", "Vietnam" },
	{ "VU", "Vanuatu" },
	{ "WF", "Wallis and Futuna" },
	{ "WS", "Samoa" },
	{ "XK", "Kosovo" },
	{ "YE", "Yemen" },
	{ "YT", "Mayotte" },
	{ "ZA", "South Africa" },
	{ "ZM", "Zambia" },
	{ "ZW", "Zimbabwe" },
};

#define COUNTRY_N (sizeof(country_table) / sizeof(country_table[0]))

const char *const country_eea_default[] = {
	/* EU 27 */
	"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
	"GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL",
	"PT", "RO", "SE", "SI", "SK",
	/* EEA EFTA states */
	"IS", "LI", "NO",
	/*
	 * Parts of the EU with their own codes: Aland, and the outermost
	 * regions of France. Not SJ (Svalbard is outside the EEA agreement),
	 * not BL (left the EU in 2012), not FO or GL.
	 */
	"AX", "GF", "GP", "MQ", "RE", "YT", "MF",
	NULL
};

/*
 * Codes people write for a country that has another official one. Only
 * unambiguous ones: "AN", "CS", "SU" or "YU" split into several countries.
 */
static const struct {
	char from[3];
	char to[3];
} country_alias[] = {
	{ "AC", "SH" },	/* Ascension Island, reserved for the UPU */
	{ "BU", "MM" },	/* Burma, withdrawn 1989 */
	{ "DG", "IO" },	/* Diego Garcia */
	{ "EA", "ES" },	/* Ceuta and Melilla */
	{ "EL", "GR" },	/* Greece in EU usage */
	{ "FX", "FR" },	/* Metropolitan France, withdrawn 1997 */
	{ "IC", "ES" },	/* Canary Islands */
	{ "TA", "SH" },	/* Tristan da Cunha */
	{ "TP", "TL" },	/* East Timor, withdrawn 2002 */
	{ "UK", "GB" },	/* reserved for the United Kingdom */
	{ "ZR", "CD" },	/* Zaire, withdrawn 1997 */
};

/* Bit index 0..675 of a two-letter upper-case code, or -1. */
static int
country_index(const char *cc)
{
	if (cc == NULL || cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' ||
	    cc[1] > 'Z' || cc[2] != '\0')
		return -1;
	return (cc[0] - 'A') * 26 + (cc[1] - 'A');
}

static int
country_cmp(const void *key, const void *elem)
{
	const struct country *c = elem;

	return strcmp(key, c->cc);
}

static const struct country *
country_find(const char *cc)
{
	if (country_index(cc) == -1)
		return NULL;
	return bsearch(cc, country_table, COUNTRY_N, sizeof(country_table[0]),
	    country_cmp);
}

bool
country_is_assigned(const char *cc)
{
	return country_find(cc) != NULL;
}

bool
country_is_region(const char *cc)
{
	return cc != NULL && (strcmp(cc, "EU") == 0 || strcmp(cc, "AP") == 0);
}

const char *
country_name(const char *cc)
{
	const struct country *c = country_find(cc);

	return c != NULL ? c->name : NULL;
}

const char *
country_suggest(const char *cc)
{
	const struct country *c;
	char up[3];
	size_t i;

	if (cc == NULL || cc[0] == '\0' || cc[1] == '\0' || cc[2] != '\0')
		return NULL;
	if (country_is_assigned(cc))
		return NULL;
	for (i = 0; i < 2; i++) {
		up[i] = cc[i];
		if (up[i] >= 'a' && up[i] <= 'z')
			up[i] = (char)(up[i] - 'a' + 'A');
	}
	up[2] = '\0';
	if ((c = country_find(up)) != NULL)
		return c->cc;
	for (i = 0; i < sizeof(country_alias) / sizeof(country_alias[0]); i++)
		if (strcmp(up, country_alias[i].from) == 0)
			return country_alias[i].to;
	return NULL;
}

void
country_set_clear(struct country_set *s)
{
	memset(s, 0, sizeof(*s));
}

int
country_set_add(struct country_set *s, const char *cc)
{
	int i = country_index(cc);

	if (i == -1)
		return -1;
	s->bits[i / 64] |= (uint64_t)1 << (i % 64);
	return 0;
}

bool
country_set_has(const struct country_set *s, const char *cc)
{
	int i = country_index(cc);

	if (i == -1)
		return false;
	return (s->bits[i / 64] >> (i % 64)) & 1;
}

size_t
country_set_count(const struct country_set *s)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(s->bits) / sizeof(s->bits[0]); i++)
		n += (size_t)__builtin_popcountll(s->bits[i]);
	return n;
}

void
country_set_foreach(const struct country_set *s,
    void (*fn)(const char cc[3], void *arg), void *arg)
{
	char cc[3];
	int i;

	/* Bit order is alphabetical order. */
	for (i = 0; i < 26 * 26; i++) {
		if (!((s->bits[i / 64] >> (i % 64)) & 1))
			continue;
		cc[0] = (char)('A' + i / 26);
		cc[1] = (char)('A' + i % 26);
		cc[2] = '\0';
		fn(cc, arg);
	}
}

void
country_set_eea_default(struct country_set *s)
{
	size_t i;

	country_set_clear(s);
	for (i = 0; country_eea_default[i] != NULL; i++)
		country_set_add(s, country_eea_default[i]);
}
