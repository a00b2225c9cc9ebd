"""The 12345 hotline (一网统管): every citizen request, whatever the channel, becomes a work
order that reaches the responsible department and is tracked through the closed loop 受理 →
派单 → 办理 → 答复 → 督办 → 办结 → 回访 → 评价. Grid workers' events use the same engine."""
