-- Every current InfObras work with its place resolved from NAMES to an INEI ubigeo. InfObras has no ubigeo column and
-- writes names as each entity typed them ('JUNÍN', 'JUNIN', 'Junín', 'LA  OROYA '). Both sides are normalised the
-- same way: upper case, accents stripped, Ñ -> N, spaces trimmed and collapsed; then department + province +
-- district must all match one INEI district (the normalised triple is unique in INEI's table). No fuzzy matching:
-- a name that does not match stays unresolved (ubigeo NULL) and is listed by int_works__unresolved_places. The
-- department is also matched on its own (department_code), so a work with a misspelt district still counts in its
-- department.

{%- set normalised = "nullif(trim(regexp_replace(replace(strip_accents(upper(COLUMN)), 'Ñ', 'N'), '\\s+', ' ', 'g')), '')" %}

with

works as (

    select * from {{ ref('stg_infobras__obras') }}

),

inei_districts as (

    select * from {{ ref('stg_reference__ubigeo_districts') }}

),

inei_keys as (

    select
        ubigeo,
        department_code,
        province_code,
        department_name,
        province_name,
        district_name,
        {{ normalised | replace('COLUMN', 'department_name') }} as department_key,
        {{ normalised | replace('COLUMN', 'province_name') }} as province_key,
        {{ normalised | replace('COLUMN', 'district_name') }} as district_key
    from inei_districts

),

inei_departments as (

    select distinct department_key, department_code, department_name
    from inei_keys

),

work_keys as (

    select
        codigo_infobras,
        departamento,
        provincia,
        distrito,
        {{ normalised | replace('COLUMN', 'departamento') }} as department_key,
        {{ normalised | replace('COLUMN', 'provincia') }} as province_key,
        {{ normalised | replace('COLUMN', 'distrito') }} as district_key
    from works

),

resolved as (

    select
        work_keys.*,
        inei_keys.ubigeo,
        inei_keys.ubigeo is not null as ubigeo_resolved,
        -- the department alone resolves more often than the full triple: reports by department use it
        inei_departments.department_code,
        inei_departments.department_name,
        inei_keys.province_code,
        inei_keys.province_name,
        inei_keys.district_name
    from work_keys
    left join inei_departments
        on work_keys.department_key = inei_departments.department_key
    left join inei_keys
        on work_keys.department_key = inei_keys.department_key
        and work_keys.province_key = inei_keys.province_key
        and work_keys.district_key = inei_keys.district_key

),

final as (

    select * from resolved

)

select * from final
