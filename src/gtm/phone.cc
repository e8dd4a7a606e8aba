/*
 * phone.cc: the C shim over libphonenumber (Google's phone number library,
 * Debian libphonenumber-dev) behind gtm.h's sl_gtm_phone_* functions: parse
 * a phone number as written by people ("+1 (415) 555-0100",
 * "0151 23456789" with region DE) and give its E.164 form, validity,
 * region or type. The only C++ file of sluice: nothing C++ crosses the
 * interface, and no exception escapes it (each entry point catches all
 * and answers "cannot normalise").
 *
 * Thread safety: PhoneNumberUtil::GetInstance() is a thread-safe singleton
 * and its const methods may be called concurrently.
 *
 * The default region (for numbers written without +country) is an
 * ISO 3166-1 alpha-2 code in any case ("US", "de"); anything longer goes
 * through sl_gtm_country_code first, so "Germany" or "DEU" work too. An
 * unknown region makes only +... numbers parse.
 */
extern "C" {
#include "core/util.h" /* a C header without its own extern "C" */
}
#include "gtm/gtm.h"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include <cstring>
#include <string>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

/* The region libphonenumber understands ("ZZ" = unknown) for region. */
std::string region_code(const char *region)
{
    if (!region || !*region)
        return "ZZ";
    size_t n = std::strlen(region);
    if (n == 2) {
        std::string r(region, 2);
        for (char &c : r)
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
        return r;
    }
    sl_buf b;
    sl_buf_init(&b);
    std::string r = "ZZ";
    if (sl_gtm_country_code(region, n, &b))
        r.assign(b.data, b.len);
    sl_buf_release(&b);
    return r;
}

/* Parse s (n bytes of valid UTF-8) into num; true when it parsed. */
bool parse(const char *s, size_t n, const char *region, PhoneNumber *num)
{
    if (!s || n == 0 || n > 250 || sl_utf8_valid_prefix(s, n) != n || std::memchr(s, '\0', n))
        return false;
    const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
    return u->Parse(std::string(s, n), region_code(region), num) == PhoneNumberUtil::NO_PARSING_ERROR;
}

void put(sl_buf *out, const std::string &s)
{
    sl_buf_reset(out);
    sl_buf_add(out, s.data(), s.size());
}

const char *type_name(PhoneNumberUtil::PhoneNumberType t)
{
    switch (t) {
    case PhoneNumberUtil::FIXED_LINE: return "fixed_line";
    case PhoneNumberUtil::MOBILE: return "mobile";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "fixed_line_or_mobile";
    case PhoneNumberUtil::TOLL_FREE: return "toll_free";
    case PhoneNumberUtil::PREMIUM_RATE: return "premium_rate";
    case PhoneNumberUtil::SHARED_COST: return "shared_cost";
    case PhoneNumberUtil::VOIP: return "voip";
    case PhoneNumberUtil::PERSONAL_NUMBER: return "personal_number";
    case PhoneNumberUtil::PAGER: return "pager";
    case PhoneNumberUtil::UAN: return "uan";
    case PhoneNumberUtil::VOICEMAIL: return "voicemail";
    default: return nullptr;
    }
}

} // namespace

extern "C" int sl_gtm_phone_normalize(const char *s, size_t n, const char *region, sl_buf *out)
{
    try {
        PhoneNumber num;
        if (!parse(s, n, region, &num))
            return 0;
        const PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
        if (!u->IsPossibleNumber(num))
            return 0;
        std::string e164;
        u->Format(num, PhoneNumberUtil::E164, &e164);
        put(out, e164);
        return 1;
    } catch (...) {
        return 0;
    }
}

extern "C" int sl_gtm_phone_valid(const char *s, size_t n, const char *region)
{
    try {
        PhoneNumber num;
        return parse(s, n, region, &num) && PhoneNumberUtil::GetInstance()->IsValidNumber(num) ? 1 : 0;
    } catch (...) {
        return 0;
    }
}

extern "C" int sl_gtm_phone_region(const char *s, size_t n, const char *region, sl_buf *out)
{
    try {
        PhoneNumber num;
        if (!parse(s, n, region, &num))
            return 0;
        std::string r;
        PhoneNumberUtil::GetInstance()->GetRegionCodeForNumber(num, &r);
        if (r.size() != 2 || r == "ZZ")
            return 0;
        put(out, r);
        return 1;
    } catch (...) {
        return 0;
    }
}

extern "C" int sl_gtm_phone_type(const char *s, size_t n, const char *region, sl_buf *out)
{
    try {
        PhoneNumber num;
        if (!parse(s, n, region, &num))
            return 0;
        const char *t = type_name(PhoneNumberUtil::GetInstance()->GetNumberType(num));
        if (!t)
            return 0;
        sl_buf_reset(out);
        sl_buf_adds(out, t);
        return 1;
    } catch (...) {
        return 0;
    }
}
