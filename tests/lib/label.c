/*
 * label.c: label keys and values, label changes ("k=v", "k-"), and
 * selectors: what each term matches, and what the parser refuses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "label.h"
#include "tap.h"

static void
test_rules(void)
{
	char	 k64[65];

	ok(nb_label_key_valid("rack"), "a plain key");
	ok(nb_label_key_valid("topology.example/zone_1-a"), "dots, slash, "
	    "underscore, dash inside");
	ok(!nb_label_key_valid(""), "no empty key");
	ok(!nb_label_key_valid("-a") && !nb_label_key_valid("a-") &&
	    !nb_label_key_valid("/a") && !nb_label_key_valid("a."),
	    "a key starts and ends with a letter or digit");
	ok(!nb_label_key_valid("a b") && !nb_label_key_valid("a=b") &&
	    !nb_label_key_valid("a,b") && !nb_label_key_valid("a!"),
	    "no blank, =, comma or ! in a key");
	memset(k64, 'k', 64);
	k64[64] = '\0';
	ok(!nb_label_key_valid(k64), "a key of 64 bytes is too long");
	k64[63] = '\0';
	ok(nb_label_key_valid(k64), "63 bytes are fine");
	ok(nb_label_value_valid("") && nb_label_value_valid("v1.2_3-x"),
	    "empty and plain values");
	ok(!nb_label_value_valid("a/b") && !nb_label_value_valid("a b") &&
	    !nb_label_value_valid("a,b") && !nb_label_value_valid("\n"),
	    "no slash, blank, comma or newline in a value");
}

static void
test_changes(void)
{
	json_t	*c = json_object();
	char	 why[256];

	ok(nb_label_change_parse("rack=3", c, why, sizeof(why)) == 0 &&
	    strcmp(json_string_value(json_object_get(c, "rack")), "3") == 0,
	    "k=v sets");
	ok(nb_label_change_parse("old-", c, why, sizeof(why)) == 0 &&
	    json_is_null(json_object_get(c, "old")), "k- removes");
	ok(nb_label_change_parse("a-b=c", c, why, sizeof(why)) == 0,
	    "a dash inside a key is not a removal");
	ok(nb_label_change_parse("k", c, why, sizeof(why)) == -1 &&
	    strstr(why, "KEY=VALUE") != NULL, "a bare key: %s", why);
	ok(nb_label_change_parse("-", c, why, sizeof(why)) == -1,
	    "a lone dash is refused");
	ok(nb_label_change_parse("=v", c, why, sizeof(why)) == -1,
	    "an empty key is refused");
	ok(nb_label_changes_check(c, why, sizeof(why)) == NULL,
	    "the parsed changes pass the check");
	json_object_set_new(c, "n", json_integer(1));
	ok(nb_label_changes_check(c, why, sizeof(why)) != NULL,
	    "a number is refused: %s", why);
	json_decref(c);
}

/* Whether selector s matches the labels given as JSON. */
static int
match(const char *s, const char *labels)
{
	struct nb_selector	*sel;
	json_t			*l = json_loads(labels, 0, NULL);
	char			 why[256];
	int			 m;

	if (nb_selector_parse(s, &sel, why, sizeof(why)) != NB_OK) {
		printf("# %s: %s\n", s, why);
		json_decref(l);
		return -1;
	}
	m = nb_selector_match(sel, l);
	nb_selector_free(sel);
	json_decref(l);
	return m;
}

static void
test_selectors(void)
{
	static const char *const bad[] = {
		"", " ", "a,", ",a", "a,,b", "a b=1", "a=b c", "a=1=2", "!a=1",
		"!", "=1", "!=1", "k/=1",
	};
	struct nb_selector	*sel;
	const char		*w;

	char			 why[256], big[NB_SELECTOR_MAX + 8];
	size_t			 i;

	w = "{\"rack\": \"3\", \"role\": \"worker\"}";
	ok(match("rack=3", w) == 1, "k=v matches");
	ok(match("rack==3", w) == 1, "k==v matches");
	ok(match("rack=4", w) == 0, "k=v of another value does not");
	ok(match("rack=3,role=worker", w) == 1, "every term must hold");
	ok(match("rack=3,role=db", w) == 0, "one failing term fails");
	ok(match(" rack = 3 ", w) == -1, "blanks around = are refused");
	ok(match(" rack=3 , role ", w) == 1, "blanks around terms are not");
	ok(match("role!=db", w) == 1 && match("role!=worker", w) == 0,
	    "k!=v");
	ok(match("zone!=a", w) == 1, "k!=v matches a client without k");
	ok(match("rack", w) == 1 && match("zone", w) == 0, "has k");
	ok(match("!zone", w) == 1 && match("!rack", w) == 0, "has not k");
	ok(match("k=", "{\"k\": \"\"}") == 1 && match("k=", w) == 0,
	    "an empty value is a value");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(nb_selector_parse(bad[i], &sel, why, sizeof(why)) ==
		    NB_INVALID && sel == NULL, "'%s' refused: %s", bad[i], why);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(nb_selector_parse(big, &sel, why, sizeof(why)) == NB_INVALID,
	    "a selector over %d bytes: %s", NB_SELECTOR_MAX, why);
	ok(nb_selector_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p", &sel, why,
	    sizeof(why)) == NB_OK, "16 terms");
	nb_selector_free(sel);
	ok(nb_selector_parse("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", &sel, why,
	    sizeof(why)) == NB_INVALID, "17 terms: %s", why);
}

int
main(void)
{
	test_rules();
	test_changes();
	test_selectors();
	return done_testing();
}
