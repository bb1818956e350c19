package gantt

// orderRows orders tasks depth-first by parent, siblings in input order. A task whose parent is
// missing is top-level; tasks caught in a parent cycle are listed from the first of them. It
// also returns the index of every task ID (the first task with that ID).
func orderRows(tasks []Task) ([]Row, map[string]int) {
	n := len(tasks)
	index := make(map[string]int, n)
	for i := range tasks {
		if _, dup := index[tasks[i].ID]; !dup {
			index[tasks[i].ID] = i
		}
	}
	// Children as one flat list: kids[off[p]:off[p+1]] are p's children in input order.
	parent := make([]int32, n)
	off := make([]int32, n+2)
	for i := range tasks {
		parent[i] = -1
		if id := tasks[i].ParentID; id != "" {
			if p, ok := index[id]; ok && p != i {
				parent[i] = int32(p)
				off[p+2]++
			}
		}
	}
	for i := 2; i < len(off); i++ {
		off[i] += off[i-1]
	}
	kids := make([]int32, off[n+1])
	for i, p := range parent {
		if p >= 0 {
			kids[off[p+1]] = int32(i)
			off[p+1]++
		}
	}
	rows := make([]Row, 0, n)
	seen := make([]bool, n)
	type frame struct{ task, depth int32 }
	stack := make([]frame, 0, 64)
	visit := func(root int) {
		stack = append(stack[:0], frame{int32(root), 0})
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[f.task] {
				continue
			}
			seen[f.task] = true
			ks := kids[off[f.task]:off[f.task+1]]
			rows = append(rows, Row{Task: int(f.task), Depth: int(f.depth), Parent: len(ks) > 0})
			for j := len(ks) - 1; j >= 0; j-- {
				if !seen[ks[j]] {
					stack = append(stack, frame{ks[j], f.depth + 1})
				}
			}
		}
	}
	for i := range tasks {
		if parent[i] < 0 {
			visit(i)
		}
	}
	for i := range tasks {
		if !seen[i] {
			visit(i)
		}
	}
	return rows, index
}
