{#
    numerator / denominator * 100 as DECIMAL(18, 2), rounded half away from zero, NULL when the denominator is 0
    (or NULL). Both arguments are money with at most 2 decimals. DuckDB divides DECIMALs as DOUBLE, so the
    division is done on whole cents (HUGEINT) to keep the result exact: pct * 100 = cents_num * 10000 / cents_den.
#}
{% macro percent_of(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast(
            cast(
                sign({{ numerator }}) * sign({{ denominator }})
                * (
                    (abs(cast({{ numerator }} * 100 as hugeint)) * 20000 + abs(cast({{ denominator }} * 100 as hugeint)))
                    // (2 * abs(cast({{ denominator }} * 100 as hugeint)))
                )
                as decimal(38, 0)
            ) * cast(0.01 as decimal(3, 2))
            as decimal(18, 2)
        )
    end
{%- endmacro %}
