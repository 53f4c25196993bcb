/**
 * The condition and the value to bind for "the column is one of these uuids": `= $n::uuid` and the id
 * when there is one (most payments pay one invoice), `= ANY($n::uuid[])` and the array when there are
 * several. The services prepare the statements a connection repeats, and PostgreSQL prices an array
 * parameter at ten elements in a plan made without its value, so with an array for one id it kept
 * planning the statement afresh at every call; with one id its prepared plan serves every call.
 */
export function uuidMatch(
  placeholder: string,
  ids: readonly string[],
): { sql: string; value: string | readonly string[] } {
  return ids.length === 1
    ? { sql: `= ${placeholder}::uuid`, value: ids[0] }
    : { sql: `= ANY(${placeholder}::uuid[])`, value: ids };
}
