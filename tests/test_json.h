// test_json.h - reading the JSON the CLI writes in tests: a parse that fails
// the test with the text's start, and typed fields that fail it when the
// field is missing or of another type.
#ifndef ANYBIT_TEST_JSON_H
#define ANYBIT_TEST_JSON_H

#include <gtest/gtest.h>

#include <cjson/cJSON.h>

#include <cmath>
#include <string>

namespace anybit_test {

inline cJSON *json_parse(const std::string &text)
{
    cJSON *j = cJSON_Parse(text.c_str());
    EXPECT_NE(j, nullptr) << text.substr(0, 300);
    return j;
}

// o[key] as a number (NaN, and a failure, when it is not one)
inline double json_num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    EXPECT_TRUE(cJSON_IsNumber(v)) << key;
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

// o[key] as a string ("" and a failure when it is not one)
inline std::string json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    EXPECT_TRUE(cJSON_IsString(v)) << key;
    return cJSON_IsString(v) ? v->valuestring : "";
}

} // namespace anybit_test

#endif
