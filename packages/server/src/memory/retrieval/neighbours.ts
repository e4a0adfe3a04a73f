/**
 * Which observations a top hit lends score to: those written up to `reach` positions before and after it in the
 * same episode, the k-th position away getting `weight / k` of the hit's score (a reply and the remark it answers
 * sit next to each other; a frame captured with an utterance sits right after it). An observation lent to by
 * several hits keeps the largest loan. Pure: the caller says which episode each position is in.
 */
export function neighbourLoans(
  top: ReadonlyArray<{ seq: number; score: number }>,
  options: { weight: number; reach: number },
): Map<number, number> {
  const loans = new Map<number, number>();
  for (const { seq, score } of top)
    for (let distance = 1; distance <= options.reach; distance += 1)
      for (const near of [seq - distance, seq + distance]) {
        const loan = (score * options.weight) / distance;
        if (loan > (loans.get(near) ?? 0)) loans.set(near, loan);
      }
  return loans;
}
