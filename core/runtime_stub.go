package core

func statusOf(s *Store, name string) Status { return Status{State: STOPPED, LastExit: -1} }

func runtimeInfo(s *Store, name string) (*RuntimeInfo, error) { return &RuntimeInfo{}, nil }
