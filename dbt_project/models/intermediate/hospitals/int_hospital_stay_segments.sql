{#- The department segments of a stay: one row per department a patient was in, in order. The first is
    the admitting department from the admission; each transfer closes a segment and opens one in its
    to_department; the discharge closes the last (left_at null while the patient is in hospital).
    Transfers of a stay are ordered by time, then event id (two on the same minute keep their export order).

    nights_from / nights_to: the census days the segment holds (the midnight census of day D counts a patient in a bed at the midnight ending D, in the department entered last on or before D):
    from the day entered to the day before the day left; none when entered and left the same day. Summed
    over a stay's segments they give its length of stay in days. -#}
with admissions as (
    select * from {{ ref('stg_hospitals__admissions') }}
),

transfers as (
    select * from {{ ref('stg_hospitals__transfers') }}
),

discharges as (
    select * from {{ ref('stg_hospitals__discharges') }}
),

moves as (
    select
        admissions.stay_id,
        0 as segment_number,
        admissions.department_id,
        admissions.occurred_at as entered_at
    from admissions
    union all
    select
        transfers.stay_id,
        row_number() over (
            partition by transfers.stay_id order by transfers.occurred_at, transfers.event_id
        ) as segment_number,
        transfers.to_department_id as department_id,
        transfers.occurred_at as entered_at
    from transfers
    -- a transfer of a stay that was never admitted has nothing to move (the contract's rules quarantine it)
    inner join admissions on transfers.stay_id = admissions.stay_id
),

segments as (
    select
        moves.stay_id,
        moves.segment_number,
        moves.department_id,
        moves.entered_at,
        coalesce(
            lead(moves.entered_at) over (partition by moves.stay_id order by moves.segment_number),
            discharges.occurred_at
        ) as left_at,
        lead(moves.entered_at) over (partition by moves.stay_id order by moves.segment_number) is null
            as is_last_segment
    from moves
    left join discharges on moves.stay_id = discharges.stay_id
),

final as (
    select
        segments.stay_id,
        admissions.patient_id,
        admissions.hospital_id,
        segments.segment_number,
        segments.department_id,
        segments.entered_at,
        segments.left_at,
        segments.is_last_segment,
        cast(segments.entered_at as date) as nights_from,
        -- open: up to the last day of data (the marts cut it there)
        cast({{ dbt.dateadd('day', -1, 'cast(segments.left_at as date)') }} as date) as nights_to
    from segments
    inner join admissions on segments.stay_id = admissions.stay_id
)

select * from final
